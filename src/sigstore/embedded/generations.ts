/**
 * Key generations: what key rotation adds, and how the stack finds it again on every start.
 *
 * A rotatable key set (the CA's root and intermediate keys, the TSA's root and signing keys, the
 * TUF root key) has generation 1 in its original directory and each later generation in a
 * directory of its own, `<dataDir>/keys-rotated/<set>.<n>/`, holding that generation's keys (and,
 * for the CA and TSA, its certificates, issued by the embedded CA/TSA on first open). Nothing is
 * ever replaced or deleted: the trusted root keeps every earlier CA and TSA, with `validFor.end`
 * set to when the next generation took over, so signatures made before a rotation still verify.
 *
 * Durability rule: a generation exists once its `generation.json` is on disk. The marker is
 * written last (after the keys, each created durably and exclusively), so a rotation interrupted
 * by a crash leaves a directory without a marker, which the stack ignores and the next
 * `rotateKeySet` for that set completes with the keys already there.
 *
 * The log key is not rotatable: a log is bound to one key (its log ID is the key's hash, and
 * the log refuses to open with another), so a new log key means a new log.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { TrustError } from "../../errors.js";
import { createFileExclusive, ensurePrivateDirectory, readPrivateFile } from "../../fs/atomic-file.js";
import { KEY_DIRECTORY_NAME, KeyStore, type KeyPurpose } from "../keys/key-store.js";

/** The key sets `certus-trust keys rotate --purpose` accepts. */
export const ROTATABLE_SETS = ["ca", "tsa", "tuf-root"] as const;

/** A key set that rotates as one. */
export type RotatableSet = (typeof ROTATABLE_SETS)[number];

/** Keys of each set. */
export const SET_PURPOSES: Readonly<Record<RotatableSet, readonly KeyPurpose[]>> = {
  ca: ["ca-root", "ca-intermediate"],
  tsa: ["tsa-root", "tsa"],
  "tuf-root": ["tuf-root"],
};

/** Directory (under the data directory) of the TUF role keys' first generation. */
export const TUF_KEY_DIRECTORY_NAME = "tuf-keys";

/** Directory (under the data directory) of every generation after the first. */
export const ROTATED_KEY_DIRECTORY_NAME = "keys-rotated";

/** Name of the marker that makes a generation directory a generation. */
const MARKER_FILE = "generation.json";

/** Largest marker file read, in bytes. */
const MAX_MARKER_BYTES = 4096;

/** One generation of a key set. */
export interface KeyGeneration {
  readonly set: RotatableSet;
  /** 1 for the original keys, then 2, 3, … */
  readonly generation: number;
  /** The generation's keys; its certificates live in `keys.directory` too. */
  readonly keys: KeyStore;
  /** When this generation took over (undefined for generation 1: since its keys were made). */
  readonly activatedAt?: Date;
  /** When the next generation took over; undefined for the current one. */
  readonly retiredAt?: Date;
}

interface Marker {
  set: RotatableSet;
  generation: number;
  /** ISO 8601: when the generation took over. */
  activatedAt: string;
}

function firstGenerationDirectory(set: RotatableSet): string {
  return set === "tuf-root" ? TUF_KEY_DIRECTORY_NAME : KEY_DIRECTORY_NAME;
}

function generationDirectory(set: RotatableSet, generation: number): string {
  return generation === 1 ? firstGenerationDirectory(set) : path.join(ROTATED_KEY_DIRECTORY_NAME, `${set}.${generation}`);
}

/**
 * Every complete generation of `set`, oldest first; the last is the current one. Opening
 * creates generation 1's keys on a fresh data directory. Throws `FAILED_PRECONDITION` when a
 * marker is damaged or generations are missing in the middle.
 */
export async function openKeyGenerations(dataDir: string, set: RotatableSet, now: () => Date = () => new Date()): Promise<KeyGeneration[]> {
  const first = await KeyStore.open(dataDir, { directory: firstGenerationDirectory(set), purposes: SET_PURPOSES[set], now });
  const later = await completeMarkers(dataDir, set);
  const generations: KeyGeneration[] = [{ set, generation: 1, keys: first }];
  for (const marker of later) {
    const keys = await KeyStore.open(dataDir, { directory: generationDirectory(set, marker.generation), purposes: SET_PURPOSES[set], now });
    generations.push({ set, generation: marker.generation, keys, activatedAt: new Date(marker.activatedAt) });
  }
  return generations.map((g, i) => {
    const next = generations[i + 1];
    return next?.activatedAt === undefined ? g : { ...g, retiredAt: next.activatedAt };
  });
}

/**
 * Adds the next generation of `set` (or completes one a crash interrupted) and returns its
 * number. Run while the server is stopped: the server reads generations only when it starts.
 */
export async function rotateKeySet(dataDir: string, set: RotatableSet, now: () => Date = () => new Date()): Promise<number> {
  const existing = await completeMarkers(dataDir, set);
  const generation = (existing.at(-1)?.generation ?? 1) + 1;
  const previous = existing.at(-1)?.activatedAt;
  const activatedAt = now();
  if (previous !== undefined && activatedAt.getTime() <= Date.parse(previous)) {
    throw new TrustError("FAILED_PRECONDITION", `rotate ${set}: the clock is before the previous rotation (${previous})`);
  }
  const directory = generationDirectory(set, generation);
  await ensurePrivateDirectory(path.resolve(dataDir, ROTATED_KEY_DIRECTORY_NAME));
  await KeyStore.open(dataDir, { directory, purposes: SET_PURPOSES[set], now });
  const marker: Marker = { set, generation, activatedAt: activatedAt.toISOString() };
  await createFileExclusive(path.resolve(dataDir, directory, MARKER_FILE), `${JSON.stringify(marker, null, 2)}\n`);
  return generation;
}

/** Markers of generations 2…n of `set`, in order; stops at the first directory without one. */
async function completeMarkers(dataDir: string, set: RotatableSet): Promise<Marker[]> {
  let names: string[];
  try {
    names = await readdir(path.resolve(dataDir, ROTATED_KEY_DIRECTORY_NAME));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const numbers = names
    .map((n) => new RegExp(`^${set.replace("-", "\\-")}\\.([1-9][0-9]{0,5})$`).exec(n)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const markers: Marker[] = [];
  for (const [i, generation] of numbers.entries()) {
    if (generation !== i + 2) {
      throw new TrustError("FAILED_PRECONDITION", `key generations of ${set}: ${set}.${i + 2} is missing before ${set}.${generation}; restore it from backup`);
    }
    const bytes = await readPrivateFile(path.resolve(dataDir, generationDirectory(set, generation), MARKER_FILE));
    if (bytes === undefined) {
      if (i !== numbers.length - 1) {
        throw new TrustError("FAILED_PRECONDITION", `key generations of ${set}: ${set}.${generation} has no ${MARKER_FILE} but later ones do`);
      }
      break; // an interrupted rotation: not a generation yet
    }
    markers.push(parseMarker(set, generation, bytes));
  }
  return markers;
}

function parseMarker(set: RotatableSet, generation: number, bytes: Buffer): Marker {
  const damaged = () => new TrustError("FAILED_PRECONDITION", `key generations of ${set}: ${set}.${generation}/${MARKER_FILE} is damaged`);
  if (bytes.length > MAX_MARKER_BYTES) throw damaged();
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw damaged();
  }
  const m = value as Partial<Marker> | null;
  if (m === null || typeof m !== "object" || m.set !== set || m.generation !== generation) throw damaged();
  if (typeof m.activatedAt !== "string" || Number.isNaN(Date.parse(m.activatedAt))) throw damaged();
  return { set, generation, activatedAt: m.activatedAt };
}
