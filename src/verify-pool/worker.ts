/**
 * A verification worker thread: runs {@link judgeTask} for the pool in `pool.ts`. Each worker keeps
 * its own caches (trusted roots, leaf certificates, keys, checkpoints), filled by the bundles it
 * sees. It may hold several chunks; it judges them in order and skips one whose deadline passed
 * while it waited (the pool has already failed that request).
 */
import { parentPort, workerData } from "node:worker_threads";
import { loadTrustedRoot } from "../sigstore/verify/index.js";
import { judgeTask } from "./judge.js";
import type { ChunkMessage, ChunkReply, WorkerSetup } from "./protocol.js";

const setup = workerData as WorkerSetup;
const serviceRoot = loadTrustedRoot(setup.serviceRoot);

const port = parentPort;
if (port === null) throw new Error("verify-pool/worker.ts runs only as a worker thread");
// A message is the chunks the pool handed this worker at once; each is answered when judged.
port.on("message", (chunks: readonly ChunkMessage[]) => {
  for (const chunk of chunks) {
    const reply: ChunkReply =
      performance.timeOrigin + performance.now() >= chunk.deadline
        ? { id: chunk.id, expired: true }
        : { id: chunk.id, replies: chunk.tasks.map((t) => judgeTask(t, serviceRoot)) };
    port.postMessage(reply);
  }
});
