/**
 * The log's checkpoint thread: copies committed WAL frames into the database file while the write
 * thread (`writer-thread.ts`) keeps committing, so a checkpoint no longer holds up the batch behind
 * it (issue #20: a `wal_checkpoint(TRUNCATE)` between two commits took 7 ms at the median and up to
 * 25 ms, and every batch that arrived meanwhile waited for it; sign's open-loop p99 halved with
 * checkpoints switched off).
 *
 * It runs `wal_checkpoint(PASSIVE)` on its own connection when the write thread asks: PASSIVE
 * waits for no reader and no writer, copies the frames no reader still needs (up to the WAL's end
 * at its start), syncs the database file, and only then records those frames as checkpointed (SQLite's checkpoint with
 * synchronous=NORMAL syncs the WAL before it copies and the database after). The WAL itself is
 * restarted by the write thread's next transaction once every frame is checkpointed (SQLite does
 * that by itself for the writer when no reader still uses the old frames), so the frames a crash
 * could need are never overwritten before the database holds them.
 *
 * Self-contained on purpose (only `import type` from this room): Node loads it as its own module.
 */
import { DatabaseSync } from "node:sqlite";
import { parentPort, workerData } from "node:worker_threads";
import type { CheckpointReply, CheckpointSetup } from "./writer-protocol.js";

const port = parentPort;
if (port === null) throw new Error("checkpoint-thread.ts runs only as a worker thread");
const setup = workerData as CheckpointSetup;

let db: DatabaseSync | undefined;
try {
  db = new DatabaseSync(setup.dbPath, { timeout: setup.busyTimeoutMs });
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA wal_autocheckpoint = 0");
} catch {
  // Without its own connection it cannot help; the write thread checkpoints by itself (its cap).
  db = undefined;
}
const checkpoint = db?.prepare("PRAGMA wal_checkpoint(PASSIVE)");

port.on("message", (msg: "checkpoint" | "close") => {
  if (msg === "close") {
    db?.close();
    port.close();
    return;
  }
  let reply: CheckpointReply;
  try {
    if (checkpoint === undefined) throw new Error("the checkpoint connection did not open");
    const row = checkpoint.get() as { log?: unknown; checkpointed?: unknown } | undefined;
    reply = { ok: true, walFrames: Number(row?.log ?? -1), checkpointed: Number(row?.checkpointed ?? -1) };
  } catch (err) {
    // A full disk or an I/O error: the frames stay in the WAL and the write thread asks again.
    reply = { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
