/**
 * What a verification worker does with one task: the bundle decoded from what the Verify handler
 * sent (its protobuf binary form, or JSON), judged by `verifyBundle` with the engine's defaults.
 * This is the one function on the API's verification path below the pool: the worker thread
 * calls it, and so do the conformance, mutation and differential tests, so that they judge
 * exactly what the API judges.
 */
import { fromBinary, toJson } from "@bufbuild/protobuf";
import { BundleSchema } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import { InvalidArgumentError } from "../errors.js";
import { publicGoodTrustedRoot, verifyBundle, type TrustedRootHandle } from "../sigstore/verify/index.js";
import type { RootRef, TaskBundle, VerifyReply, VerifyTask } from "./protocol.js";

/** A bundle in its binary protobuf form (what the Verify handler sends a worker). */
export function binaryBundle(bytes: Uint8Array): TaskBundle {
  return { binary: bytes };
}

/**
 * The JSON form `verifyBundle` reads. The binary form was encoded by this process from a decoded
 * request, so it always decodes; were it damaged, that is an internal error, not a verdict.
 */
export function bundleJsonOf(bundle: TaskBundle): unknown {
  return "binary" in bundle ? toJson(BundleSchema, fromBinary(BundleSchema, bundle.binary)) : bundle.json;
}

/** The trusted root of a task: a loaded handle, or the JSON `verifyBundle` loads (and caches) itself. */
function rootOf(ref: RootRef, serviceRoot: TrustedRootHandle | undefined): unknown {
  switch (ref.kind) {
    case "service":
      if (serviceRoot === undefined) throw new Error("the task names the service's trusted root, and none was given");
      return serviceRoot;
    case "public-good":
      return publicGoodTrustedRoot();
    default:
      return ref.json;
  }
}

/**
 * Judges one task against `serviceRoot` when it names the service's root; never throws (a request
 * error or an internal one is in the reply).
 */
export function judgeTask(task: VerifyTask, serviceRoot: TrustedRootHandle | undefined): VerifyReply {
  try {
    const result = verifyBundle({
      bundle: bundleJsonOf(task.bundle),
      artifact: task.artifact,
      trustedRoot: rootOf(task.root, serviceRoot),
      expected: task.expected,
    });
    return { id: task.id, result };
  } catch (err) {
    if (err instanceof InvalidArgumentError) {
      return { id: task.id, invalidArgument: { field: err.field, message: err.message.slice(err.field.length + 2) } };
    }
    return { id: task.id, internal: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}
