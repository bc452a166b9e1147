/**
 * The TUF repository on disk, `<dataDir>/tuf/`, laid out exactly as it is served under `/tuf/`:
 * `N.root.json`, `N.targets.json`, `N.snapshot.json` (consistent snapshots), `timestamp.json`,
 * and `targets/<sha256>.<name>` for each target file.
 *
 * Durability rules: versioned files and targets are created once (durably, never replaced, via
 * `createFileExclusive`); `timestamp.json` is replaced atomically (temp file, fsync, rename,
 * directory fsync). A publication writes targets, then targets metadata, then snapshot, and
 * `timestamp.json` last, so after a crash `timestamp.json` still names a complete, older state;
 * files newer than it are orphans that the next publication skips over (versions are numbered
 * after the highest file present).
 *
 * Bytes read back are treated as hostile (a damaged disk, a hand edit): bounded in size, parsed
 * without letting a SyntaxError escape, and reported as `FAILED_PRECONDITION` naming the file.
 */
import { replaceFileAtomic } from "../../../fs/atomic-file.js";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { Metadata, MetadataKind, type Root, type Snapshot, type Targets, type Timestamp } from "@tufjs/models";
import { TrustError } from "../../../errors.js";
import { createFileExclusive, ensurePrivateDirectory, readPrivateFile } from "../../../fs/atomic-file.js";

/** Name of the repository directory inside the data directory. */
export const TUF_DIRECTORY_NAME = "tuf";

/** Largest metadata or target file read back, in bytes. */
export const MAX_TUF_FILE_BYTES = 4 * 1024 * 1024;

/** A served file name: `[N.]<role>.json` or `targets/<sha256>.<target name>`. */
const METADATA_NAME = /^(?:([1-9][0-9]{0,9})\.)?(root|targets|snapshot|timestamp)\.json$/;
const TARGET_NAME = /^targets\/([0-9a-f]{64})\.([A-Za-z0-9_][A-Za-z0-9._-]{0,127})$/;

/** Roles whose metadata is versioned on disk. */
export type VersionedRole = "root" | "targets" | "snapshot";

/** What a request path names, or undefined when it is not a repository file. */
export type TufPath = { kind: "metadata"; role: VersionedRole | "timestamp"; version?: number } | { kind: "target"; sha256: string; name: string };

/** Parses a path relative to `/tuf/`; only names this repository can hold are accepted. */
export function parseTufPath(relative: string): TufPath | undefined {
  const m = METADATA_NAME.exec(relative);
  if (m) {
    const role = m[2] as VersionedRole | "timestamp";
    if (m[1] === undefined) return { kind: "metadata", role };
    return role === "timestamp" ? undefined : { kind: "metadata", role, version: Number(m[1]) };
  }
  const [, sha256, name] = TARGET_NAME.exec(relative) ?? [];
  return sha256 !== undefined && name !== undefined ? { kind: "target", sha256, name } : undefined;
}

type Kinds = { root: Root; targets: Targets; snapshot: Snapshot; timestamp: Timestamp };
const KIND: { [K in keyof Kinds]: MetadataKind } = {
  root: MetadataKind.Root,
  targets: MetadataKind.Targets,
  snapshot: MetadataKind.Snapshot,
  timestamp: MetadataKind.Timestamp,
};

/** Parses metadata bytes of `role`; throws `FAILED_PRECONDITION` naming `file`. */
export function parseMetadata<K extends keyof Kinds>(role: K, bytes: Buffer, file: string): Metadata<Kinds[K]> {
  const damaged = (cause?: unknown) => new TrustError("FAILED_PRECONDITION", `TUF: ${file} is damaged; restore it from backup`, { cause });
  if (bytes.length > MAX_TUF_FILE_BYTES) throw damaged();
  try {
    const json: unknown = JSON.parse(bytes.toString("utf8"));
    if (typeof json !== "object" || json === null || Array.isArray(json)) throw damaged();
    return Metadata.fromJSON(KIND[role] as never, json as never) as unknown as Metadata<Kinds[K]>;
  } catch (err) {
    throw err instanceof TrustError ? err : damaged(err);
  }
}

/** Serializes metadata the one way this repository writes it (2-space JSON, final newline). */
export function serializeMetadata(metadata: Metadata<Root | Targets | Snapshot | Timestamp>): Buffer {
  return Buffer.from(`${JSON.stringify(metadata.toJSON(), null, 2)}\n`, "utf8");
}

/** File access for one repository directory. */
export class TufFiles {
  readonly directory: string;

  constructor(directory: string) {
    this.directory = directory;
  }

  /** Creates the directory (0700) and its `targets/` subdirectory. */
  async prepare(): Promise<void> {
    await ensurePrivateDirectory(this.directory);
    await ensurePrivateDirectory(path.join(this.directory, "targets"));
  }

  /** Versions present on disk of each versioned role, ascending. */
  async versions(): Promise<Record<VersionedRole, number[]>> {
    const found: Record<VersionedRole, number[]> = { root: [], targets: [], snapshot: [] };
    for (const name of await readdir(this.directory)) {
      const p = parseTufPath(name);
      if (p?.kind === "metadata" && p.version !== undefined && p.role !== "timestamp") found[p.role].push(p.version);
    }
    for (const list of Object.values(found)) list.sort((a, b) => a - b);
    return found;
  }

  /** Reads a repository file (a path from {@link parseTufPath}'s grammar), bounded in size. */
  async read(relative: string): Promise<Buffer | undefined> {
    if (parseTufPath(relative) === undefined) return undefined;
    const bytes = await readPrivateFile(path.join(this.directory, relative));
    if (bytes !== undefined && bytes.length > MAX_TUF_FILE_BYTES) {
      throw new TrustError("FAILED_PRECONDITION", `TUF: ${relative} is larger than ${MAX_TUF_FILE_BYTES} bytes`);
    }
    return bytes;
  }

  /**
   * Creates a versioned metadata file or a target file. A file already there with the same bytes
   * is fine (a retried publication); with other bytes it is refused, never replaced.
   */
  async create(relative: string, bytes: Buffer): Promise<void> {
    if (parseTufPath(relative) === undefined) throw new TypeError(`not a TUF repository file name: ${relative}`);
    if (await createFileExclusive(path.join(this.directory, relative), bytes)) return;
    const existing = await this.read(relative);
    if (existing === undefined || !existing.equals(bytes)) {
      throw new TrustError("FAILED_PRECONDITION", `TUF: ${relative} already exists with other content`);
    }
  }

  /** Atomically replaces `timestamp.json`. */
  async replaceTimestamp(bytes: Buffer): Promise<void> {
    await replaceFileAtomic(path.join(this.directory, "timestamp.json"), bytes);
  }
}
