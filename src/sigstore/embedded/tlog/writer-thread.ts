/**
 * The log's write thread: owns the one connection that writes batches, so that a batch's
 * INSERTs, its COMMIT and the fdatasync that makes it durable run off the main event loop
 * (issue #20: SQLite's automatic checkpoint inside COMMIT stalled the event loop 7-70 ms every
 * 15-20 batches).
 *
 * Per message: BEGIN IMMEDIATE, the rows, COMMIT (synchronous=NORMAL, so no sync inside), then
 * fdatasync of the WAL, then the reply. The automatic checkpoint is off on every connection of
 * the log; the WAL is kept short this way instead:
 *
 * - Once the WAL holds `checkpointPages` frames not yet in the database, this thread asks the
 *   checkpoint thread (`checkpoint-thread.ts`, its own connection) for a PASSIVE checkpoint, which
 *   runs while the batches go on being committed here. When every frame has been checkpointed,
 *   SQLite restarts the WAL at the start of this connection's next transaction (no reader may
 *   still use the old frames; the main thread's readers hold a snapshot for one statement only),
 *   writing over the old frames. A batch therefore no longer waits for a checkpoint (a
 *   TRUNCATE checkpoint here between two commits cost the batch behind it 7-25 ms), and the
 *   fdatasync after each commit mostly rewrites blocks the WAL file already has instead of
 *   growing it (no file-size change for the filesystem's journal to commit).
 * - The cap: a WAL file of `maxWalPages` pages or more is checkpointed and truncated here between
 *   two commits (`wal_checkpoint(TRUNCATE)`, as this thread did after every 1,000 pages before),
 *   so the WAL stays bounded even if the checkpoint thread cannot keep up or is gone.
 *   `journal_size_limit` brings a WAL that grew past twice `checkpointPages` back to that size
 *   at its next restart.
 *
 * Crash safety does not depend on the thread doing the checkpoint: a checkpoint syncs the WAL
 * before it copies and the database after, and only then marks the frames as checkpointed, and
 * SQLite overwrites or truncates only frames so marked. A crash anywhere loses nothing that was
 * acknowledged.
 *
 * Self-contained on purpose (only `import type` from this room): Node loads it as its own module.
 */
import { closeSync, existsSync, fdatasyncSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { endianness } from "node:os";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { parentPort, Worker, workerData } from "node:worker_threads";
import type { CheckpointReply, CheckpointSetup, CommitFailure, CommitMessage, CommitReply, ReadyReply, WriterSetup } from "./writer-protocol.js";

/** Size of the WAL header and of each frame's header, in bytes (https://sqlite.org/fileformat.html). */
const WAL_HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 24;

/** Bytes of a WAL file holding `frames` frames of `pageSize`-byte pages. */
function walBytes(frames: number, pageSize: number): number {
  return WAL_HEADER_BYTES + frames * (pageSize + FRAME_HEADER_BYTES);
}

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
const shmPath = `${setup.dbPath}-shm`;

function open(): { db: DatabaseSync; pageSize: number } {
  const db = new DatabaseSync(setup.dbPath, { timeout: setup.busyTimeoutMs });
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA wal_autocheckpoint = 0");
  db.exec(`PRAGMA cache_size = -${setup.cacheKib}`);
  const pageSize = Number((db.prepare("PRAGMA page_size").get() as { page_size: unknown }).page_size);
  db.exec(`PRAGMA journal_size_limit = ${walBytes(2 * setup.checkpointPages, pageSize)}`);
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

/**
 * The WAL-index header in the -shm file (https://sqlite.org/walformat.html, "The WAL-Index
 * Format"), in the host's byte order: version at 0, isInit at 12, mxFrame (frames in the WAL) at
 * 16, nBackfill (frames already copied into the database) at 96.
 */
const SHM_HEADER_BYTES = 136;
const SHM_VERSION = 3007000;
const shmHeader = Buffer.alloc(SHM_HEADER_BYTES);
const readU32 = endianness() === "LE" ? (at: number) => shmHeader.readUInt32LE(at) : (at: number) => shmHeader.readUInt32BE(at);
let shmFd: number | undefined;

/** Frames in the WAL and frames already checkpointed, from the WAL-index; undefined if unreadable. */
function walIndex(): { frames: number; checkpointed: number } | undefined {
  try {
    shmFd ??= openSync(shmPath, "r");
    if (readSync(shmFd, shmHeader, 0, SHM_HEADER_BYTES, 0) < SHM_HEADER_BYTES) return undefined;
    if (readU32(0) !== SHM_VERSION || shmHeader[12] !== 1) return undefined;
    return { frames: readU32(16), checkpointed: readU32(96) };
  } catch {
    return undefined;
  }
}

/** Size of the WAL file in pages (frames), whatever part of it is in use. */
function walFilePages(): number {
  const fd = wal?.fd;
  if (fd === undefined) return 0;
  return Math.max(0, Math.floor((fstatSync(fd).size - WAL_HEADER_BYTES) / (pageSize + FRAME_HEADER_BYTES)));
}

/**
 * How long the capping checkpoint waits for a reader still on the WAL (or for the checkpoint
 * thread) before giving up until the next commit, in ms: the next batch waits for it, so briefly.
 */
const CHECKPOINT_BUSY_MS = 10;

/** The cap: checkpoint and truncate the WAL here, between two commits. */
function truncateWal(): void {
  try {
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

/** The checkpoint thread's module: compiled beside this one in `dist/`, else the TypeScript source. */
function checkpointScript(): URL {
  const compiled = new URL("./checkpoint-thread.js", import.meta.url);
  return existsSync(fileURLToPath(compiled)) ? compiled : new URL("./checkpoint-thread.ts", import.meta.url);
}

/**
 * The checkpoint thread: started when the WAL first needs a checkpoint (a small log never needs
 * one), `busy` while it has one to do; "gone" if it could not start or stopped, and then this
 * thread checkpoints by itself as it did before there was one.
 */
let checkpointer: { worker: Worker; busy: boolean } | "not started" | "gone" = "not started";

function startCheckpointer(): { worker: Worker; busy: boolean } | "gone" {
  try {
    const worker = new Worker(checkpointScript(), { workerData: { dbPath: setup.dbPath, busyTimeoutMs: setup.busyTimeoutMs } satisfies CheckpointSetup });
    const self = { worker, busy: false };
    worker.on("message", (_reply: CheckpointReply) => {
      // Failed or not, the next commit looks at the WAL again and asks again if need be.
      self.busy = false;
    });
    worker.on("error", () => undefined); // reported through "exit"
    worker.on("exit", () => {
      if (checkpointer === self) checkpointer = "gone";
    });
    return self;
  } catch {
    return "gone";
  }
}

/** After each commit's reply: keep the WAL short (see the top of this file). */
function maintainWal(): void {
  try {
    const index = walIndex();
    const frames = index?.frames ?? walFilePages();
    if (walFilePages() >= setup.maxWalPages || (checkpointer === "gone" && frames >= setup.checkpointPages)) {
      truncateWal();
      return;
    }
    if (frames < setup.checkpointPages || (index !== undefined && index.checkpointed >= frames)) return;
    if (checkpointer === "not started") checkpointer = startCheckpointer();
    if (checkpointer !== "gone" && !checkpointer.busy) {
      checkpointer.busy = true;
      checkpointer.worker.postMessage("checkpoint");
    }
  } catch {
    // The WAL's size could not be read; the next commit looks again.
  }
}

port.on("message", (msg: CommitMessage | "close") => {
  if (msg === "close") {
    if (typeof checkpointer === "object") checkpointer.worker.postMessage("close");
    checkpointer = "gone";
    if (shmFd !== undefined) closeSync(shmFd);
    shmFd = undefined;
    if (wal !== undefined) closeSync(wal.fd);
    wal = undefined;
    db.close();
    port.close();
    return;
  }
  port.postMessage(commit(msg));
  maintainWal();
});
