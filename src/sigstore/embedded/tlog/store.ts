/**
 * SQLite storage of the log: entries, perfect-subtree hashes and published checkpoints.
 *
 * Layout and why:
 * - `entries` — one row per leaf, keyed by log index. The leaf hash doubles as the Rekor entry
 *   UUID (its hex form), so one UNIQUE index serves both "get by uuid" and duplicate detection.
 *   Partial indexes on artifact digest and signer subject (with log index, for keyset paging)
 *   serve searches without scanning.
 * - `subtrees` — the hash of every perfect subtree of height >= 1, written as the tree grows
 *   (level 0 is `entries.leaf_hash`). About one row per leaf. A proof reads O(log n) of them and
 *   opening the log reads one per level, so start-up never rebuilds the tree.
 * - `checkpoints` — every signed checkpoint the log has published, by tree size.
 * - `meta` — the log's identity (origin, log ID), so a data directory is never reopened under a
 *   different key or name, which would fork what clients have already pinned.
 *
 * Durability: WAL; {@link LogStore.commit} is one IMMEDIATE transaction (all-or-nothing on crash)
 * followed by one fdatasync of the WAL file, and resolves only after both. Both run on the log's
 * write thread (`writer-thread.ts`), which owns the only connection that writes batches; the WAL
 * checkpoint runs on a checkpoint thread beside it (`checkpoint-thread.ts`) while batches go on
 * being committed, and on the write thread itself only when the WAL reaches its cap; the event
 * loop only posts the batch and awaits the reply. The transaction runs with synchronous=NORMAL, so SQLite
 * itself does not sync at COMMIT (it still syncs the WAL before every checkpoint and the database
 * after it); the thread's own fdatasync follows. NORMAL plus that sync is what synchronous=FULL
 * does. Between COMMIT and the sync the reading connection here could see the batch's rows; the
 * log publishes nothing of a batch before the sync (log.ts, rule 4). The automatic checkpoint is
 * off on this connection: it would run inside a write here, on the event loop. Every failure is
 * mapped by `store-errors.ts`; a failed commit is rolled back before the error is reported, and a
 * failed sync is reported as the store being unavailable.
 */
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { TrustError, UnavailableError } from "../../../errors.js";
import type { CompletedSubtree } from "./frontier.js";
import { LOG_COMPONENT, toStoreError } from "./store-errors.js";
import { LogWriter } from "./writer.js";

/** File name of the log database inside the data directory. */
export const LOG_DB_FILE = "tlog.sqlite";

/** Default time to wait for a lock held by another connection before failing, in milliseconds. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** SQLite page cache per open log, in KiB. */
const CACHE_KIB = 32 * 1024;

/**
 * The write thread asks the checkpoint thread to copy the WAL into the database once it holds this
 * many frames not yet copied: SQLite's own default for its automatic checkpoint (about 4 MB of WAL).
 */
export const DEFAULT_WAL_CHECKPOINT_PAGES = 1000;
/** The WAL file's cap, as a multiple of the checkpoint threshold (writer-thread.ts). */
export const WAL_CAP_FACTOR = 4;

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS entries (
  log_index INTEGER PRIMARY KEY,
  leaf_hash BLOB NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  api_version TEXT NOT NULL,
  body BLOB NOT NULL,
  integrated_time INTEGER NOT NULL,
  signed_entry_timestamp BLOB NOT NULL,
  artifact_digest TEXT,
  signer_subject TEXT
);
CREATE INDEX IF NOT EXISTS entries_by_artifact_digest
  ON entries (artifact_digest, log_index) WHERE artifact_digest IS NOT NULL;
CREATE INDEX IF NOT EXISTS entries_by_signer_subject
  ON entries (signer_subject, log_index) WHERE signer_subject IS NOT NULL;
CREATE TABLE IF NOT EXISTS subtrees (
  level INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  hash BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
  tree_size INTEGER PRIMARY KEY,
  root_hash BLOB NOT NULL,
  note TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

/** One leaf as stored. `leafHash` is the RFC 6962 leaf hash; its hex is the entry UUID. */
export interface StoredEntry {
  readonly logIndex: number;
  readonly leafHash: Buffer;
  readonly kind: string;
  readonly apiVersion: string;
  /** The canonicalized entry body (the Merkle leaf). */
  readonly body: Buffer;
  /** Seconds since the Unix epoch. */
  readonly integratedTime: number;
  /** The SET: DER ECDSA signature by the log key. */
  readonly signedEntryTimestamp: Buffer;
  readonly artifactDigest?: string | undefined;
  readonly signerSubject?: string | undefined;
}

/** A published checkpoint: the signed note for `treeSize` and the root it commits to. */
export interface StoredCheckpoint {
  readonly treeSize: number;
  readonly rootHash: Buffer;
  /** The whole signed note (C2SP tlog-checkpoint), as served to clients. */
  readonly note: string;
}

/** Everything one batch adds, written in one transaction. */
export interface BatchWrite {
  readonly entries: readonly StoredEntry[];
  /** Subtrees the batch completed; level-0 ones are skipped (they are `entries.leaf_hash`). */
  readonly subtrees: readonly CompletedSubtree[];
  readonly checkpoint: StoredCheckpoint;
}

/** Options for {@link LogStore.open}. */
export interface LogStoreOptions {
  /** Wait for another connection's lock this long before reporting busy, in ms. Default 5000. */
  readonly busyTimeoutMs?: number;
  /**
   * Upper bound on the database size in bytes (SQLite max_page_count); writes beyond it fail
   * as "full" like a full disk would. Default: no bound.
   */
  readonly maxDatabaseBytes?: number;
  /**
   * WAL frames not yet in the database before the checkpoint thread copies them (default
   * {@link DEFAULT_WAL_CHECKPOINT_PAGES}); the WAL file is capped at {@link WAL_CAP_FACTOR} times this.
   */
  readonly walCheckpointPages?: number;
}

type Row = Record<string, unknown>;

function asBuffer(value: unknown): Buffer {
  if (!(value instanceof Uint8Array)) throw new TypeError("expected a BLOB column");
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function asOptionalText(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function toEntry(row: Row): StoredEntry {
  return {
    logIndex: Number(row.log_index),
    leafHash: asBuffer(row.leaf_hash),
    kind: String(row.kind),
    apiVersion: String(row.api_version),
    body: asBuffer(row.body),
    integratedTime: Number(row.integrated_time),
    signedEntryTimestamp: asBuffer(row.signed_entry_timestamp),
    artifactDigest: asOptionalText(row.artifact_digest),
    signerSubject: asOptionalText(row.signer_subject),
  };
}

function toCheckpoint(row: Row): StoredCheckpoint {
  return { treeSize: Number(row.tree_size), rootHash: asBuffer(row.root_hash), note: String(row.note) };
}

const ENTRY_COLUMNS = `log_index, leaf_hash, kind, api_version, body, integrated_time,
  signed_entry_timestamp, artifact_digest, signer_subject`;

/**
 * Makes the database and its -wal/-shm files owner-only (0600), creating the database file so:
 * the log is public by design, but its files sit beside keys in the data directory and nobody
 * else on the host should write them or read what is not yet published.
 */
function restrictLogFiles(dbPath: string): void {
  if (!existsSync(dbPath)) closeSync(openSync(dbPath, "a", 0o600));
  for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
}

/** SQLite access for one log. Synchronous: node:sqlite is, and a batch is one short transaction. */
export class LogStore {
  private readonly db: DatabaseSync;
  /** Writes every batch, on its own thread. */
  private readonly writer: LogWriter;
  private readonly stmt: Record<
    | "leafHash"
    | "subtree"
    | "lastEntry"
    | "byIndex"
    | "byLeafHash"
    | "byDigest"
    | "bySubject"
    | "latestCheckpoint"
    | "checkpointAt"
    | "getMeta"
    | "setMeta"
    | "indexOfLeafHash",
    StatementSync
  >;

  private constructor(db: DatabaseSync, writer: LogWriter) {
    this.db = db;
    this.writer = writer;
    const p = (sql: string) => db.prepare(sql);
    this.stmt = {
      leafHash: p("SELECT leaf_hash FROM entries WHERE log_index = ?"),
      subtree: p("SELECT hash FROM subtrees WHERE level = ? AND idx = ?"),
      lastEntry: p(`SELECT ${ENTRY_COLUMNS} FROM entries ORDER BY log_index DESC LIMIT 1`),
      byIndex: p(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE log_index = ?`),
      byLeafHash: p(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE leaf_hash = ?`),
      byDigest: p(`SELECT ${ENTRY_COLUMNS} FROM entries
        WHERE artifact_digest = ? AND log_index > ? ORDER BY log_index LIMIT ?`),
      bySubject: p(`SELECT ${ENTRY_COLUMNS} FROM entries
        WHERE signer_subject = ? AND log_index > ? ORDER BY log_index LIMIT ?`),
      latestCheckpoint: p("SELECT tree_size, root_hash, note FROM checkpoints ORDER BY tree_size DESC LIMIT 1"),
      checkpointAt: p("SELECT tree_size, root_hash, note FROM checkpoints WHERE tree_size = ?"),
      getMeta: p("SELECT value FROM meta WHERE key = ?"),
      indexOfLeafHash: p("SELECT log_index FROM entries WHERE leaf_hash = ?"),
      setMeta: p("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
    };
  }

  /** Opens (creating if needed) the log database in `dataDir`. */
  static open(dataDir: string, options: LogStoreOptions = {}): LogStore {
    let db: DatabaseSync | undefined;
    try {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      restrictLogFiles(join(dataDir, LOG_DB_FILE));
      db = new DatabaseSync(join(dataDir, LOG_DB_FILE), {
        timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
      });
      db.exec("PRAGMA journal_mode = WAL");
      // SQLite creates the -wal and -shm files with the database file's mode; older data
      // directories may hold them 0644 from before.
      restrictLogFiles(join(dataDir, LOG_DB_FILE));
      // Each commit's WAL sync is done by `commit` off the event loop (see the top of this file).
      db.exec("PRAGMA synchronous = NORMAL");
      // Checkpoints are the write thread's (see the top of this file).
      db.exec("PRAGMA wal_autocheckpoint = 0");
      // Random-key indexes (uuid, digest) touch a page per insert; keeping their upper levels
      // cached keeps large logs from re-reading them on every batch and proof.
      db.exec(`PRAGMA cache_size = -${CACHE_KIB}`);
      if (options.maxDatabaseBytes !== undefined) {
        const pageSize = Number((db.prepare("PRAGMA page_size").get() as Row).page_size);
        db.exec(`PRAGMA max_page_count = ${Math.max(1, Math.floor(options.maxDatabaseBytes / pageSize))}`);
      }
      const version = Number((db.prepare("PRAGMA user_version").get() as Row).user_version);
      if (version > SCHEMA_VERSION) {
        throw new TrustError("FAILED_PRECONDITION", `${LOG_COMPONENT}: database schema ${version} is newer than this build`);
      }
      db.exec(`BEGIN IMMEDIATE; ${SCHEMA} PRAGMA user_version = ${SCHEMA_VERSION}; COMMIT;`);
      // The schema, and the WAL file's directory entry (SQLite created the file), on disk now.
      const dbPath = join(dataDir, LOG_DB_FILE);
      for (const f of [`${dbPath}-wal`, dataDir]) if (existsSync(f)) syncPath(f);
      const writer = new LogWriter({
        dbPath,
        busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
        cacheKib: CACHE_KIB,
        maxDatabaseBytes: options.maxDatabaseBytes,
        checkpointPages: options.walCheckpointPages ?? DEFAULT_WAL_CHECKPOINT_PAGES,
        maxWalPages: WAL_CAP_FACTOR * (options.walCheckpointPages ?? DEFAULT_WAL_CHECKPOINT_PAGES),
      });
      writer.start();
      return new LogStore(db, writer);
    } catch (err) {
      if (db?.isTransaction) db.exec("ROLLBACK");
      db?.close();
      if (err instanceof TrustError) throw err;
      if (typeof err === "object" && err !== null && "syscall" in err) {
        throw new UnavailableError(LOG_COMPONENT, "cannot create the data directory", { cause: err });
      }
      throw toStoreError(err, "open database");
    }
  }

  /**
   * Writes one batch atomically and makes it durable (one fdatasync), both on the write thread;
   * resolves only then. A failed transaction writes nothing; a failed sync leaves the rows committed
   * but maybe not on disk, and is reported as the store being unavailable (the log then re-reads
   * its size from the store before the next batch, log.ts rule 6).
   */
  commit(batch: BatchWrite): Promise<void> {
    return this.writer.commit({
      entries: batch.entries.map((e) => ({
        logIndex: e.logIndex,
        leafHash: e.leafHash,
        kind: e.kind,
        apiVersion: e.apiVersion,
        body: e.body,
        integratedTime: e.integratedTime,
        signedEntryTimestamp: e.signedEntryTimestamp,
        artifactDigest: e.artifactDigest ?? null,
        signerSubject: e.signerSubject ?? null,
      })),
      subtrees: batch.subtrees.filter((s) => s.level > 0).map((s) => [s.level, s.index, s.hash] as const),
      checkpoint: batch.checkpoint,
    });
  }

  /** Runs a read, mapping SQLite failures. */
  private read<T>(action: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw toStoreError(err, action);
    }
  }

  /** Number of leaves stored (log indexes are gap-free from 0). */
  size(): number {
    return this.read("read tree size", () => {
      const row = this.stmt.lastEntry.get() as Row | undefined;
      return row === undefined ? 0 : Number(row.log_index) + 1;
    });
  }

  /** The last entry, or undefined for an empty log. */
  lastEntry(): StoredEntry | undefined {
    return this.read("read last entry", () => {
      const row = this.stmt.lastEntry.get() as Row | undefined;
      return row === undefined ? undefined : toEntry(row);
    });
  }

  /** Hash of the stored perfect subtree at (level, index); a missing one means a corrupt store. */
  subtreeHash(level: number, index: number): Buffer {
    const row = this.read("read subtree hash", () => (level === 0 ? this.stmt.leafHash.get(index) : this.stmt.subtree.get(level, index)) as Row | undefined);
    if (row === undefined) {
      throw new TrustError("INTERNAL", `${LOG_COMPONENT}: subtree (${level}, ${index}) is missing from the store`);
    }
    return asBuffer(level === 0 ? row.leaf_hash : row.hash);
  }

  entryByIndex(logIndex: number): StoredEntry | undefined {
    return this.read("read entry", () => {
      const row = this.stmt.byIndex.get(logIndex) as Row | undefined;
      return row === undefined ? undefined : toEntry(row);
    });
  }

  entryByLeafHash(leafHash: Buffer): StoredEntry | undefined {
    return this.read("read entry", () => {
      const row = this.stmt.byLeafHash.get(leafHash) as Row | undefined;
      return row === undefined ? undefined : toEntry(row);
    });
  }

  /** Log index of the entry with this leaf hash (duplicate check), or undefined. */
  indexOfLeafHash(leafHash: Buffer): number | undefined {
    return this.read("read entry", () => {
      const row = this.stmt.indexOfLeafHash.get(leafHash) as Row | undefined;
      return row === undefined ? undefined : Number(row.log_index);
    });
  }

  /** Entries with this artifact digest and log index > afterIndex, ascending, at most `limit`. */
  entriesByDigest(digest: string, afterIndex: number, limit: number): StoredEntry[] {
    return this.read("search entries", () => (this.stmt.byDigest.all(digest, afterIndex, limit) as Row[]).map(toEntry));
  }

  /** Entries with this signer subject and log index > afterIndex, ascending, at most `limit`. */
  entriesBySubject(subject: string, afterIndex: number, limit: number): StoredEntry[] {
    return this.read("search entries", () => (this.stmt.bySubject.all(subject, afterIndex, limit) as Row[]).map(toEntry));
  }

  latestCheckpoint(): StoredCheckpoint | undefined {
    return this.read("read checkpoint", () => {
      const row = this.stmt.latestCheckpoint.get() as Row | undefined;
      return row === undefined ? undefined : toCheckpoint(row);
    });
  }

  checkpointAt(treeSize: number): StoredCheckpoint | undefined {
    return this.read("read checkpoint", () => {
      const row = this.stmt.checkpointAt.get(treeSize) as Row | undefined;
      return row === undefined ? undefined : toCheckpoint(row);
    });
  }

  getMeta(key: string): string | undefined {
    return this.read("read metadata", () => {
      const row = this.stmt.getMeta.get(key) as Row | undefined;
      return row === undefined ? undefined : String(row.value);
    });
  }

  setMeta(key: string, value: string): void {
    this.read("write metadata", () => this.stmt.setMeta.run(key, value));
  }

  /** Stops the write thread (closing its connection), then closes the reading connection. */
  async close(): Promise<void> {
    await this.writer.close();
    if (this.db.isOpen) this.db.close();
  }
}

/** fsync of a file or directory by path (synchronous: only at open). */
function syncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
