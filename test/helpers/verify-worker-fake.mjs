/**
 * A FAKE verification worker for the pool's scheduling tests: it speaks the pool's protocol
 * (`src/verify-pool/protocol.ts`) but, instead of verifying, keeps its thread busy for the number
 * of milliseconds a task names in `expected.subject` and answers "verified". A real verification
 * cannot be made to take a chosen time (subject patterns run in linear time), and the deadline,
 * hold and requeue rules are about time alone.
 */
import { parentPort } from "node:worker_threads";

const port = parentPort;
if (port === null) throw new Error("verify-worker-fake.mjs runs only as a worker thread");
port.on("message", (chunks) => {
  for (const chunk of chunks) {
    if (performance.timeOrigin + performance.now() >= chunk.deadline) {
      port.postMessage({ id: chunk.id, expired: true });
      continue;
    }
    const replies = chunk.tasks.map((task) => {
      const until = performance.now() + Number(task.expected.subject);
      while (performance.now() < until) {
        // busy, as a long verification is
      }
      return { id: task.id, result: { verified: true, failures: [], timestamps: [] } };
    });
    port.postMessage({ id: chunk.id, replies });
  }
});
