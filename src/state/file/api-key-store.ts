/**
 * The API key store: `<dataDir>/apikeys.json` (mode 0600), written atomically (temporary file,
 * fsync, rename) by `certus-trust apikey create|revoke`, read by the server. It holds each key's
 * id, name, scopes and salted hash, never a secret. The server notices changes made while it runs
 * (it re-reads the file when its modification time or size changes, at most every
 * `RELOAD_CHECK_MS`), so a revoked key stops working within that time without a restart.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { generateApiKey } from "../../auth/api-key-format.js";
import { replaceFileAtomicSync } from "../../fs/atomic-file.js";
import { parseScopes, type Scope } from "../../auth/scopes.js";

export const API_KEYS_FILE = "apikeys.json";
/** How often the server may stat the file to pick up changes, ms. */
export const RELOAD_CHECK_MS = 500;
/** Largest store file read, bytes (a few hundred bytes per key). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** One stored key (no secret). */
export interface ApiKeyRecord {
  id: string;
  name: string;
  scopes: Scope[];
  /** base64url salt and HMAC-SHA256 of the secret. */
  salt: string;
  hash: string;
  createdAt: string;
  revokedAt?: string;
}

interface StoreFile {
  version: 1;
  keys: ApiKeyRecord[];
}

/** The file's outer shape (each key is checked as it is loaded). */
function isStoreFile(value: unknown): value is StoreFile {
  return typeof value === "object" && value !== null && "version" in value && value.version === 1 && "keys" in value && Array.isArray(value.keys);
}

/** A store file that cannot be read or parsed. */
export class ApiKeyStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ApiKeyStoreError";
  }
}

export class ApiKeyStore {
  private keys = new Map<string, ApiKeyRecord>();
  private stamp = "";
  private checkedAt = 0;

  private constructor(readonly file: string) {
    this.load();
  }

  /** Opens the store under `dataDir` (an absent file is an empty store). */
  static open(dataDir: string): ApiKeyStore {
    return new ApiKeyStore(join(dataDir, API_KEYS_FILE));
  }

  private fileStamp(): string {
    try {
      const st = statSync(this.file);
      return `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {
      return "absent";
    }
  }

  private load(): void {
    const stamp = this.fileStamp();
    if (stamp === "absent") {
      this.keys = new Map();
      this.stamp = stamp;
      return;
    }
    let doc: StoreFile;
    try {
      const text = readFileSync(this.file, "utf8");
      if (text.length > MAX_FILE_BYTES) throw new Error("file too large");
      const parsed: unknown = JSON.parse(text);
      if (!isStoreFile(parsed)) throw new Error("not an API key store (version 1)");
      doc = parsed;
    } catch (err) {
      throw new ApiKeyStoreError(`cannot read ${this.file}: ${(err as Error).message}`, { cause: err });
    }
    this.keys = new Map(doc.keys.map((k) => [k.id, { ...k, scopes: parseScopes(k.scopes) }]));
    this.stamp = stamp;
  }

  /** Re-reads the file if it changed (throttled); a broken file keeps the keys already loaded. */
  private refresh(): void {
    const now = Date.now();
    if (now - this.checkedAt < RELOAD_CHECK_MS) return;
    this.checkedAt = now;
    if (this.fileStamp() === this.stamp) return;
    try {
      this.load();
    } catch {
      // Keep serving with the last good set; `apikey list` reports the problem to the operator.
    }
  }

  private save(): void {
    const dir = join(this.file, "..");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const body: StoreFile = { version: 1, keys: [...this.keys.values()] };
    replaceFileAtomicSync(this.file, JSON.stringify(body, null, 2) + "\n");
    this.stamp = this.fileStamp();
  }

  /** Creates a key; returns its record and the full key string, which is shown once. */
  create(name: string, scopes: Scope[]): { record: ApiKeyRecord; key: string } {
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) throw new TypeError(`name "${name}": use 1-64 letters, digits and . _ @ -`);
    if (scopes.length === 0) throw new TypeError("at least one scope is needed");
    this.load();
    const made = generateApiKey();
    const record: ApiKeyRecord = { id: made.id, name, scopes, salt: made.salt, hash: made.hash, createdAt: new Date().toISOString() };
    this.keys.set(record.id, record);
    this.save();
    return { record, key: made.key };
  }

  /** Marks a key revoked (kept for the record). False when there is no such key. */
  revoke(id: string): boolean {
    this.load();
    const k = this.keys.get(id);
    if (!k) return false;
    if (!k.revokedAt) {
      k.revokedAt = new Date().toISOString();
      this.save();
    }
    return true;
  }

  /** Every key, without secrets (there are none stored). */
  list(): ApiKeyRecord[] {
    this.load();
    return [...this.keys.values()];
  }

  /** The live (not revoked) key with this id. */
  lookup(id: string): ApiKeyRecord | undefined {
    this.refresh();
    const k = this.keys.get(id);
    return k && !k.revokedAt ? k : undefined;
  }

  /** True when the store file exists. */
  exists(): boolean {
    return existsSync(this.file);
  }
}
