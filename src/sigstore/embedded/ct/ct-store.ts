/**
 * SQLite storage of the embedded CT log (`ct.sqlite`): entries (the RFC 6962 leaf and its
 * `extra_data`), perfect-subtree hashes (level >= 1; level 0 is the entry's leaf hash) and every
 * signed tree head, by size.
 *
 * Durability: WAL with synchronous=FULL; {@link CtStore.commit} writes one entry, the subtrees it
 * completes and the STH that covers it in ONE transaction, so an SCT is only ever returned for an
 * entry whose STH is on disk, and a crash leaves either all of it or none.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { TrustError } from "../../../errors.js";
import type { CompletedSubtree } from "../tlog/frontier.js";
import { toStoreError } from "../tlog/store-errors.js";

/** File name of the CT log database inside its directory. */
export const CT_DB_FILE = "ct.sqlite";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS entries (
  idx INTEGER PRIMARY KEY,
  leaf_hash BLOB NOT NULL,
  leaf_input BLOB NOT NULL,
  extra_data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_by_leaf_hash ON entries (leaf_hash);
CREATE TABLE IF NOT EXISTS subtrees (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sths (tree_size INTEGER PRIMARY KEY, timestamp INTEGER NOT NULL, root_hash BLOB NOT NULL, signature BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/** A signed tree head as stored (the signature is the TLS `DigitallySigned`). */
export interface StoredSth {
  readonly treeSize: number;
  readonly timestamp: number;
  readonly rootHash: Buffer;
  readonly signature: Buffer;
}

/** One stored entry. */
export interface StoredCtEntry {
  readonly index: number;
  readonly leafHash: Buffer;
  readonly leafInput: Buffer;
  readonly extraData: Buffer;
}

type Row = Record<string, unknown>;
const buf = (v: unknown) => Buffer.from(v as Uint8Array);
const toSth = (r: Row): StoredSth => ({
  treeSize: Number(r.tree_size),
  timestamp: Number(r.timestamp),
  rootHash: buf(r.root_hash),
  signature: buf(r.signature),
});
const toEntry = (r: Row): StoredCtEntry => ({ index: Number(r.idx), leafHash: buf(r.leaf_hash), leafInput: buf(r.leaf_input), extraData: buf(r.extra_data) });

/** The store's prepared statements, each by name (so every one is known to be there). */
function prepareStatements(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    insertEntry: p("INSERT INTO entries (idx, leaf_hash, leaf_input, extra_data) VALUES (?, ?, ?, ?)"),
    insertSubtree: p("INSERT INTO subtrees (level, idx, hash) VALUES (?, ?, ?)"),
    insertSth: p("INSERT INTO sths (tree_size, timestamp, root_hash, signature) VALUES (?, ?, ?, ?)"),
    leafHash: p("SELECT leaf_hash FROM entries WHERE idx = ?"),
    subtree: p("SELECT hash FROM subtrees WHERE level = ? AND idx = ?"),
    size: p("SELECT COUNT(*) AS n FROM entries"),
    latestSth: p("SELECT * FROM sths ORDER BY tree_size DESC LIMIT 1"),
    sthAt: p("SELECT * FROM sths WHERE tree_size = ?"),
    indexOfLeafHash: p("SELECT idx FROM entries WHERE leaf_hash = ? ORDER BY idx LIMIT 1"),
    range: p("SELECT * FROM entries WHERE idx >= ? AND idx <= ? ORDER BY idx"),
    getMeta: p("SELECT value FROM meta WHERE key = ?"),
    setMeta: p("INSERT INTO meta (key, value) VALUES (?, ?)"),
  };
}

export class CtStore {
  readonly #db: DatabaseSync;
  readonly #stmt: ReturnType<typeof prepareStatements>;

  private constructor(db: DatabaseSync) {
    this.#db = db;
    this.#stmt = prepareStatements(db);
  }

  /** Opens (creating if needed) the database in `directory` (mode 0700). */
  static open(directory: string): CtStore {
    let db: DatabaseSync | undefined;
    try {
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      db = new DatabaseSync(join(directory, CT_DB_FILE), { timeout: 5000 });
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = FULL");
      db.exec(`BEGIN IMMEDIATE; ${SCHEMA} COMMIT;`);
      return new CtStore(db);
    } catch (err) {
      if (db?.isTransaction) db.exec("ROLLBACK");
      db?.close();
      throw toStoreError(err, "open CT log database");
    }
  }

  #read<T>(action: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw toStoreError(err, action);
    }
  }

  /** Writes one entry, the subtrees it completed and the STH covering it, atomically. */
  commit(entry: StoredCtEntry, completed: readonly CompletedSubtree[], sth: StoredSth): void {
    try {
      this.#db.exec("BEGIN IMMEDIATE");
      this.#stmt.insertEntry.run(entry.index, entry.leafHash, entry.leafInput, entry.extraData);
      for (const s of completed) if (s.level > 0) this.#stmt.insertSubtree.run(s.level, s.index, s.hash);
      this.#stmt.insertSth.run(sth.treeSize, sth.timestamp, sth.rootHash, sth.signature);
      this.#db.exec("COMMIT");
    } catch (err) {
      try {
        if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      } catch {
        // SQLite rolls back by itself when it cannot.
      }
      throw toStoreError(err, "commit CT entry");
    }
  }

  /** Writes the STH of the empty tree (a new log's first). */
  commitSth(sth: StoredSth): void {
    this.#read("write STH", () => this.#stmt.insertSth.run(sth.treeSize, sth.timestamp, sth.rootHash, sth.signature));
  }

  size(): number {
    return this.#read("read CT log size", () => Number((this.#stmt.size.get() as Row).n));
  }

  /** Hash of the perfect subtree at (level, index); a missing one is a corrupt store. */
  subtreeHash(level: number, index: number): Buffer {
    const row = this.#read("read subtree", () => (level === 0 ? this.#stmt.leafHash.get(index) : this.#stmt.subtree.get(level, index)) as Row | undefined);
    if (row === undefined) throw new TrustError("INTERNAL", `ct-log: subtree (${level}, ${index}) is missing from the store`);
    return buf(level === 0 ? row.leaf_hash : row.hash);
  }

  latestSth(): StoredSth | undefined {
    return this.#read("read STH", () => {
      const row = this.#stmt.latestSth.get() as Row | undefined;
      return row === undefined ? undefined : toSth(row);
    });
  }

  sthAt(treeSize: number): StoredSth | undefined {
    return this.#read("read STH", () => {
      const row = this.#stmt.sthAt.get(treeSize) as Row | undefined;
      return row === undefined ? undefined : toSth(row);
    });
  }

  indexOfLeafHash(leafHash: Buffer): number | undefined {
    return this.#read("find entry", () => {
      const row = this.#stmt.indexOfLeafHash.get(leafHash) as Row | undefined;
      return row === undefined ? undefined : Number(row.idx);
    });
  }

  /** Entries `start..end` inclusive, ascending. */
  entries(start: number, end: number): StoredCtEntry[] {
    return this.#read("read entries", () => (this.#stmt.range.all(start, end) as Row[]).map(toEntry));
  }

  getMeta(key: string): string | undefined {
    return this.#read("read metadata", () => {
      const row = this.#stmt.getMeta.get(key) as Row | undefined;
      return row === undefined ? undefined : String(row.value);
    });
  }

  setMeta(key: string, value: string): void {
    this.#read("write metadata", () => this.#stmt.setMeta.run(key, value));
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
