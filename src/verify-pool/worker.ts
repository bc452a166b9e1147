/**
 * A verification worker thread: runs `verifyBundle` for the pool in `pool.ts`. Each worker keeps
 * its own caches (trusted roots, leaf certificates, keys, checkpoints), filled by the bundles it
 * sees.
 */
import { parentPort, workerData } from "node:worker_threads";
import { InvalidArgumentError } from "../errors.js";
import { loadTrustedRoot, publicGoodTrustedRoot, verifyBundle } from "../sigstore/verify/index.js";
import type { RootRef, VerifyReply, VerifyTask, WorkerSetup } from "./protocol.js";

const setup = workerData as WorkerSetup;
const serviceRoot = loadTrustedRoot(setup.serviceRoot);

/** The trusted root of a task: a loaded handle, or the JSON `verifyBundle` loads itself. */
function rootOf(ref: RootRef): unknown {
  switch (ref.kind) {
    case "service":
      return serviceRoot;
    case "public-good":
      return publicGoodTrustedRoot();
    default:
      return ref.json;
  }
}

function judge(task: VerifyTask): VerifyReply {
  try {
    const result = verifyBundle({ bundle: task.bundle, artifact: task.artifact, trustedRoot: rootOf(task.root), expected: task.expected });
    return { id: task.id, result };
  } catch (err) {
    if (err instanceof InvalidArgumentError) {
      return { id: task.id, invalidArgument: { field: err.field, message: err.message.slice(err.field.length + 2) } };
    }
    return { id: task.id, internal: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

const port = parentPort;
if (port === null) throw new Error("verify-pool/worker.ts runs only as a worker thread");
port.on("message", (message: { id: number; tasks: VerifyTask[] }) => {
  port.postMessage({ id: message.id, replies: message.tasks.map(judge) });
});
