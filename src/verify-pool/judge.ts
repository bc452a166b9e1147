/**
 * What a verification worker does with one task: the bundle decoded from what the Verify handler
 * sent (its protobuf binary form, or JSON), judged by `verifyBundle` with the engine's defaults. A
 * binary bundle is built from its message directly when the engine's JSON checks are sure to
 * accept it (`CheckedBundle`), else converted to JSON and judged as JSON.
 * This is the one function on the API's verification path below the pool: the worker thread
 * calls it, and so do the conformance, mutation and differential tests, so that they judge
 * exactly what the API judges.
 */
import { fromBinary, toJson } from "@bufbuild/protobuf";
import { BundleSchema } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import { InvalidArgumentError } from "../errors.js";
import { CheckedBundle, publicGoodTrustedRoot, verifyBundle, type TrustedRootHandle } from "../sigstore/verify/index.js";
import type { RootRef, TaskBundle, VerifyReply, VerifyTask } from "./protocol.js";

/** A bundle in its binary protobuf form (what the Verify handler sends a worker). */
export function binaryBundle(bytes: Uint8Array): TaskBundle {
  return { binary: bytes };
}

/**
 * The JSON form of a task's bundle (the route `verifyBundle` takes when the message's own is not
 * sure). The binary form was encoded by this process from a decoded request, so it always
 * decodes; were it damaged, that is an internal error, not a verdict.
 */
export function bundleJsonOf(bundle: TaskBundle): unknown {
  return "binary" in bundle ? toJson(BundleSchema, fromBinary(BundleSchema, bundle.binary)) : bundle.json;
}

/**
 * What `verifyBundle` receives for a task's bundle: from a binary bundle, the bundle built from its
 * message directly when that is sure to be the one its JSON would give (`CheckedBundle`),
 * else the JSON; a JSON bundle as it is.
 */
export function engineBundleOf(bundle: TaskBundle): unknown {
  if (!("binary" in bundle)) return bundle.json;
  const message = fromBinary(BundleSchema, bundle.binary);
  return CheckedBundle.fromMessage(message, bundle.binary.byteLength) ?? toJson(BundleSchema, message);
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
      bundle: engineBundleOf(task.bundle),
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
