/**
 * The log's write thread: owns the one connection that writes batches, so that a batch's
 * INSERTs, its COMMIT, the fdatasync that makes it durable and the WAL checkpoint all run off the
 * main event loop (issue #20: SQLite's automatic checkpoint inside COMMIT stalled the event loop
 * 7-70 ms every 15-20 batches).
 *
 * Per message: BEGIN IMMEDIATE, the rows, COMMIT (synchronous=NORMAL, so no sync inside), then
 * fdatasync of the WAL, then the reply. Only after the reply, when the WAL holds at least
 * `checkpointPages` pages, `wal_checkpoint(TRUNCATE)`: this connection is the only writer and it
 * checkpoints between its own commits, so the checkpoint always catches up and the WAL restarts
 * (a checkpoint on another connection never caught up under continuous writes and the WAL grew to
 * 64 MB). The main thread's readers only hold a snapshot for one statement; if one is reading when
 * the checkpoint wants to restart the WAL, the busy timeout waits for it, and a checkpoint that
 * still could not finish is simply tried again after the next commit. The automatic checkpoint is
 * off on every connection of the log. A checkpoint syncs the WAL and the database itself, so a
 * crash anywhere in it loses nothing that was acknowledged.
 *
 * Self-contained on purpose (only `import type` from this room): Node loads it as its own module.
 */
import { closeSync, fdatasyncSync, fstatSync, openSync, statSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { parentPort, workerData } from "node:worker_threads";
import type { CommitFailure, CommitMessage, CommitReply, ReadyReply, WriterSetup } from "./writer-protocol.js";

/** Size of the WAL header and of each frame's header, in bytes (https://sqlite.org/fileformat.html). */
const WAL_HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 24;

function failureOf(err: unknown, sync = false): CommitFailure {
  const message = err instanceof Error ? err.message : String(err);
  if (sync) return { kind: "sync", message };
  if (typeof err === "object" && err !== null && "errcode" in err && typeof err.errcode === "number") {
    return { kind: "sqlite", errcode: err.errcode, message };
  }
  return { kind: "other", message };
}

const port = parentPort;
if (port === null) throw new Error("writer-thread.ts runs only as a worker thread");
const setup = workerData as WriterSetup;
const walPath = `${setup.dbPath}-wal`;

function open(): { db: DatabaseSync; pageSize: number } {
  const db = new DatabaseSync(setup.dbPath, { timeout: setup.busyTimeoutMs });
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA wal_autocheckpoint = 0");
  db.exec(`PRAGMA cache_size = -${setup.cacheKib}`);
  const pageSize = Number((db.prepare("PRAGMA page_size").get() as { page_size: unknown }).page_size);
  if (setup.maxDatabaseBytes !== undefined) {
    db.exec(`PRAGMA max_page_count = ${Math.max(1, Math.floor(setup.maxDatabaseBytes / pageSize))}`);
  }
  return { db, pageSize };
}

let opened: { db: DatabaseSync; pageSize: number };
try {
  opened = open();
} catch (err) {
  port.postMessage({ ready: false, failure: failureOf(err) } satisfies ReadyReply);
  throw err;
}
const { db, pageSize } = opened;
const insertEntry = db.prepare(`INSERT INTO entries (log_index, leaf_hash, kind, api_version, body, integrated_time,
  signed_entry_timestamp, artifact_digest, signer_subject) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
const insertSubtree = db.prepare("INSERT INTO subtrees (level, idx, hash) VALUES (?, ?, ?)");
const insertCheckpoint = db.prepare("INSERT INTO checkpoints (tree_size, root_hash, note) VALUES (?, ?, ?)");
port.postMessage({ ready: true } satisfies ReadyReply);

/** The WAL file's descriptor; reopened if the file was replaced (same checks as a stat, no I/O). */
let wal: { fd: number; ino: number } | undefined;
function walFd(): number {
  const ino = statSync(walPath).ino;
  if (wal?.ino !== ino) {
    if (wal !== undefined) closeSync(wal.fd);
    wal = undefined;
    const fd = openSync(walPath, "r");
    wal = { fd, ino: fstatSync(fd).ino };
  }
  return wal.fd;
}

function transaction(msg: CommitMessage): void {
  try {
    db.exec("BEGIN IMMEDIATE");
    for (const e of msg.entries) {
      insertEntry.run(e.logIndex, e.leafHash, e.kind, e.apiVersion, e.body, e.integratedTime, e.signedEntryTimestamp, e.artifactDigest, e.signerSubject);
    }
    for (const [level, index, hash] of msg.subtrees) insertSubtree.run(level, index, hash);
    insertCheckpoint.run(msg.checkpoint.treeSize, msg.checkpoint.rootHash, msg.checkpoint.note);
    db.exec("COMMIT");
  } catch (err) {
    try {
      if (db.isTransaction) db.exec("ROLLBACK");
    } catch {
      // SQLite rolls back by itself when it cannot; nothing was committed either way.
    }
    throw err;
  }
}

function commit(msg: CommitMessage): CommitReply {
  try {
    transaction(msg);
  } catch (err) {
    return { id: msg.id, ok: false, failure: failureOf(err) };
  }
  try {
    fdatasyncSync(walFd());
  } catch (err) {
    return { id: msg.id, ok: false, failure: failureOf(err, true) };
  }
  return { id: msg.id, ok: true };
}

/** Pages in the WAL, from its size (TRUNCATE leaves it empty, so its size is what it holds). */
function walPages(): number {
  const fd = wal?.fd;
  if (fd === undefined) return 0;
  return Math.max(0, Math.floor((fstatSync(fd).size - WAL_HEADER_BYTES) / (pageSize + FRAME_HEADER_BYTES)));
}

/**
 * How long the checkpoint waits for a reader still on the WAL before giving up until the next
 * commit, in ms: the next batch waits for it, so briefly (main-thread reads last one statement).
 */
const CHECKPOINT_BUSY_MS = 10;

function checkpointIfLarge(): void {
  try {
    if (walPages() < setup.checkpointPages) return;
    db.exec(`PRAGMA busy_timeout = ${CHECKPOINT_BUSY_MS}`);
    try {
      db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } finally {
      db.exec(`PRAGMA busy_timeout = ${setup.busyTimeoutMs}`);
    }
  } catch {
    // A checkpoint that cannot finish now (a reader, a full disk) is tried after the next commit;
    // the WAL keeps every committed frame meanwhile.
  }
}

port.on("message", (msg: CommitMessage | "close") => {
  if (msg === "close") {
    if (wal !== undefined) closeSync(wal.fd);
    wal = undefined;
    db.close();
    port.close();
    return;
  }
  port.postMessage(commit(msg));
  checkpointIfLarge();
});
