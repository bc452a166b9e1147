/**
 * A bundle judged the way the Verify RPC judges it, for the conformance, mutation and
 * differential tests (issue #20 item 4: they must test the path the API runs, not a neighbour of
 * it). The RPC receives the bundle and a sent trusted root as protobuf messages (a JSON bundle is
 * decoded by the SDK or Connect with `fromJson`), re-encodes the bundle to its binary form for a
 * verification worker, and the worker runs `judgeTask` (`src/verify-pool/judge.ts`): decode,
 * `verifyBundle` with the engine's defaults (every memo, the OpenSSL digest-only ECDSA, the
 * one-allocation DER encoder). This helper does those same steps in this thread, with the
 * worker's own function; `test/integration` runs them through real worker threads.
 *
 * A bundle or root the API cannot decode never reaches the engine: the request fails with
 * INVALID_ARGUMENT. Here that is a rejection whose one failure says so (`BUNDLE_MALFORMED` or
 * `TRUST_ROOT_INVALID`), so that a test counting decisions counts it as the refusal it is.
 */
import { fromJson, toBinary, toJson, type JsonValue } from "@bufbuild/protobuf";
import { BundleSchema } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import { TrustedRootSchema } from "@certus/trust-sdk/gen/sigstore_trustroot_pb";
import { InvalidArgumentError } from "../../src/errors.js";
import { TrustedRootHandle, type ArtifactInput, type ExpectedSigner, type VerificationResult } from "../../src/sigstore/verify/index.js";
import { binaryBundle, bundleJsonOf, judgeTask } from "../../src/verify-pool/judge.js";
import type { RootRef } from "../../src/verify-pool/protocol.js";

export interface ApiJudgeRequest {
  /** The bundle as JSON (what a client sends, or what the SDK decodes into the request message). */
  readonly bundle: unknown;
  readonly artifact: ArtifactInput;
  /** The service's root (a handle) or a root sent in the request (JSON). */
  readonly trustedRoot: unknown;
  readonly expected: ExpectedSigner;
}

function refused(code: "BUNDLE_MALFORMED" | "TRUST_ROOT_INVALID", what: string, err: unknown): VerificationResult {
  const message = `the Verify RPC refuses this ${what} when decoding the request: ${err instanceof Error ? err.message : String(err)}`;
  return { verified: false, failures: [{ code, message }], timestamps: [] };
}

/** The bundle in the binary form a worker receives, or undefined when the API cannot decode it. */
export function apiBundleBinary(bundle: unknown): Uint8Array | undefined {
  try {
    return toBinary(BundleSchema, fromJson(BundleSchema, bundle as JsonValue));
  } catch {
    return undefined;
  }
}

/**
 * The JSON `verifyBundle` sees on the API's path (the bundle after the request's decoding and the
 * worker's), for a baseline that must judge the same input; undefined when the API refuses it.
 */
export function apiBundleJson(bundle: unknown): unknown {
  const binary = apiBundleBinary(bundle);
  return binary === undefined ? undefined : bundleJsonOf(binaryBundle(binary));
}

/** A trusted root sent in a request as the worker receives it; undefined when the API cannot decode it. */
export function apiTrustedRootJson(root: unknown): unknown {
  try {
    return toJson(TrustedRootSchema, fromJson(TrustedRootSchema, root as JsonValue));
  } catch {
    return undefined;
  }
}

/**
 * The verdict of the Verify RPC's engine path.
 * @throws InvalidArgumentError for a malformed request (as the RPC answers INVALID_ARGUMENT)
 */
export function judgeAsApi(request: ApiJudgeRequest): VerificationResult {
  let binary: Uint8Array;
  try {
    binary = toBinary(BundleSchema, fromJson(BundleSchema, request.bundle as JsonValue));
  } catch (err) {
    return refused("BUNDLE_MALFORMED", "bundle", err);
  }
  let root: RootRef;
  let service: TrustedRootHandle | undefined;
  if (request.trustedRoot instanceof TrustedRootHandle) {
    service = request.trustedRoot;
    root = { kind: "service" };
  } else {
    const json = apiTrustedRootJson(request.trustedRoot);
    if (json === undefined) return refused("TRUST_ROOT_INVALID", "trusted root", "not a TrustedRoot message");
    root = { kind: "json", json };
  }
  const reply = judgeTask({ id: 0, bundle: binaryBundle(binary), artifact: request.artifact, root, expected: request.expected }, service);
  if ("result" in reply) return reply.result;
  if ("invalidArgument" in reply) throw new InvalidArgumentError(reply.invalidArgument.field, reply.invalidArgument.message);
  throw new Error(`verification worker: ${reply.internal}`);
}
