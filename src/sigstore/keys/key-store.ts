/**
 * The embedded stack's signing keys, one per purpose, kept under `<dataDir>/keys/`.
 *
 * On first start every missing key is generated (ECDSA P-256) and written as PKCS#8 PEM,
 * `<purpose>.key.pem`, mode 0600 in a 0700 directory; on later starts the same files are loaded,
 * so the CA chain, the log key and the TSA chain (and with them the trusted root) stay the same
 * across restarts. Beside each key, `<purpose>.key.json` records when it was created (the start of
 * its validity window in the trusted root) and the SHA-256 of its SPKI, so that a key file
 * replaced by hand is detected instead of silently changing what the trusted root says.
 *
 * Rotation (a new key with a new window, the old one kept for verification) never replaces a file
 * here: each later generation of a key set is a KeyStore of its own in another directory (see
 * `embedded/generations.ts`), opened with {@link KeyStoreOptions.directory}.
 */
import { createHash, generateKeyPairSync } from "node:crypto";
import { stat } from "node:fs/promises";
import path from "node:path";
import { inspect } from "node:util";
import { TrustError } from "../../errors.js";
import { createFileExclusive, ensurePrivateDirectory, readPrivateFile } from "../../fs/atomic-file.js";
import { FileSigner } from "./file-signer.js";

/** The keys of the CA, the log, the TSA and the CT log (kept in `<dataDir>/keys/`). */
export const STACK_KEY_PURPOSES = ["ca-root", "ca-intermediate", "tlog", "tsa-root", "tsa", "ctlog"] as const;

/** The TUF repository's role keys (kept apart from the stack's, in `<dataDir>/tuf-keys/`). */
export const TUF_KEY_PURPOSES = ["tuf-root", "tuf-targets", "tuf-snapshot", "tuf-timestamp"] as const;

/** Every key the embedded stack uses. */
export const KEY_PURPOSES = [...STACK_KEY_PURPOSES, ...TUF_KEY_PURPOSES] as const;

/** What a key is for; also its file name stem. */
export type KeyPurpose = (typeof KEY_PURPOSES)[number];

/** Name of the key directory inside the data directory. */
export const KEY_DIRECTORY_NAME = "keys";

/** Metadata stored beside a key. */
interface KeyRecord {
  purpose: KeyPurpose;
  /** ISO 8601, millisecond precision: when the key was generated. */
  createdAt: string;
  /** Lowercase hex SHA-256 of the public key's SPKI DER. */
  spkiSha256: string;
}

/** Options of {@link KeyStore.open}. */
export interface KeyStoreOptions {
  /** Keys to load or create; default: all of {@link KEY_PURPOSES}. */
  purposes?: readonly KeyPurpose[];
  /** Clock used to stamp new keys; default: the system clock. */
  now?: () => Date;
  /** Key directory; default `<dataDir>/keys`. Relative paths resolve against `dataDir`. */
  directory?: string;
}

interface LoadedKey {
  signer: FileSigner;
  createdAt: Date;
}

export class KeyStore {
  /** Absolute path of the key directory (`<dataDir>/keys`); certificates are kept here too. */
  readonly directory: string;
  readonly #keys: ReadonlyMap<KeyPurpose, LoadedKey>;

  private constructor(directory: string, keys: ReadonlyMap<KeyPurpose, LoadedKey>) {
    this.directory = directory;
    this.#keys = keys;
  }

  /**
   * Loads every key of `options.purposes` from `<dataDir>/keys/`, generating the missing ones.
   * Throws `TrustError` `FAILED_PRECONDITION` if a key file is unreadable or does not match its
   * record; key material is never part of the message.
   */
  static async open(dataDir: string, options: KeyStoreOptions = {}): Promise<KeyStore> {
    const directory = path.resolve(dataDir, options.directory ?? KEY_DIRECTORY_NAME);
    const now = options.now ?? (() => new Date());
    await ensurePrivateDirectory(directory);
    const keys = new Map<KeyPurpose, LoadedKey>();
    for (const purpose of options.purposes ?? KEY_PURPOSES) {
      keys.set(purpose, await loadOrCreate(directory, purpose, now));
    }
    return new KeyStore(directory, keys);
  }

  /** The signer for `purpose`; throws `NOT_FOUND` if the store was opened without it. */
  signer(purpose: KeyPurpose): FileSigner {
    return this.#get(purpose).signer;
  }

  /** When the key for `purpose` was generated (persisted, so stable across restarts). */
  createdAt(purpose: KeyPurpose): Date {
    return new Date(this.#get(purpose).createdAt.getTime());
  }

  /** The purposes this store holds. */
  purposes(): KeyPurpose[] {
    return [...this.#keys.keys()];
  }

  #get(purpose: KeyPurpose): LoadedKey {
    const key = this.#keys.get(purpose);
    if (!key) throw new TrustError("NOT_FOUND", `key ${purpose}: not loaded by this key store`);
    return key;
  }

  toString(): string {
    return `KeyStore(${this.directory}: ${this.purposes().join(", ")})`;
  }

  toJSON(): { directory: string; purposes: KeyPurpose[] } {
    return { directory: this.directory, purposes: this.purposes() };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

async function loadOrCreate(directory: string, purpose: KeyPurpose, now: () => Date): Promise<LoadedKey> {
  const keyFile = path.join(directory, `${purpose}.key.pem`);
  const recordFile = path.join(directory, `${purpose}.key.json`);

  let pem = await readPrivateFile(keyFile);
  let generatedAt: Date | undefined;
  if (pem === undefined) {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const fresh = privateKey.export({ type: "pkcs8", format: "pem" });
    generatedAt = now();
    if (!(await createFileExclusive(keyFile, fresh))) generatedAt = undefined; // another process won
    pem = await readPrivateFile(keyFile);
    if (pem === undefined) throw new TrustError("INTERNAL", `key ${purpose}: vanished after creation`);
  }
  const signer = FileSigner.fromPkcs8Pem(purpose, pem);
  const spkiSha256 = createHash("sha256").update(signer.publicKeySpki).digest("hex");

  let recordBytes = await readPrivateFile(recordFile);
  if (recordBytes === undefined) {
    // A key without a record: either just generated, or a crash came between the two writes.
    // The key file's mtime is then the best record of when the key came to be.
    const createdAt = generatedAt ?? (await stat(keyFile)).mtime;
    const record: KeyRecord = { purpose, createdAt: createdAt.toISOString(), spkiSha256 };
    await createFileExclusive(recordFile, `${JSON.stringify(record, null, 2)}\n`);
    recordBytes = await readPrivateFile(recordFile);
    if (recordBytes === undefined) throw new TrustError("INTERNAL", `key ${purpose}: record vanished after creation`);
  }
  const record = parseRecord(purpose, recordBytes);
  if (record.spkiSha256 !== spkiSha256) {
    throw new TrustError("FAILED_PRECONDITION", `key ${purpose}: ${purpose}.key.pem does not match ${purpose}.key.json (was the key replaced?)`);
  }
  return { signer, createdAt: new Date(record.createdAt) };
}

function parseRecord(purpose: KeyPurpose, bytes: Buffer): KeyRecord {
  const invalid = () => new TrustError("FAILED_PRECONDITION", `key ${purpose}: ${purpose}.key.json is malformed`);
  if (bytes.length > 4096) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw invalid();
  }
  if (typeof value !== "object" || value === null) throw invalid();
  const { purpose: p, createdAt, spkiSha256 } = value as Record<string, unknown>;
  if (p !== purpose || typeof createdAt !== "string" || typeof spkiSha256 !== "string") throw invalid();
  if (Number.isNaN(Date.parse(createdAt)) || !/^[0-9a-f]{64}$/.test(spkiSha256)) throw invalid();
  return { purpose, createdAt, spkiSha256 };
}
