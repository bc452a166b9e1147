/**
 * Caller attestations: have the service sign your own in-toto predicate (SLSA provenance, a scan
 * result) about an artifact. The service's policy decides which predicate types you may have
 * signed; a refusal is a `TrustError` with code `failed_precondition`.
 */
import type { CallOptions } from "@connectrpc/connect";
import type { SignResponse } from "./gen/certus/trust/v1/sign_pb.js";
import { parseBundle, type BundleInput } from "./bundle.js";
import type { TrustClient } from "./client.js";

/** The SLSA provenance v1 predicate type. */
export const SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1";

/** Options of `attestDigest`, beside Connect's per-call options. */
export interface AttestOptions extends CallOptions {
  /** Names the artifact in the statement's subject (`s3://…`, `oci://…`); never fetched. */
  uri?: string;
  /** The named signer policy; empty means `default`. */
  policy?: string;
  /** Inner bundles the policy checks before signing. */
  innerBundles?: readonly BundleInput[];
}

/**
 * Signs an in-toto Statement v1 whose subject is the artifact (`sha256:<64 hex>`) and whose
 * predicate is `predicate` (an object, or its JSON text, at most 256 KiB) of `predicateType`.
 */
export async function attestDigest(
  client: TrustClient,
  digest: string,
  predicateType: string,
  predicate: object | string,
  options: AttestOptions = {},
): Promise<SignResponse> {
  const { uri = "", policy = "", innerBundles = [], ...call } = options;
  const predicateJson = typeof predicate === "string" ? predicate : JSON.stringify(predicate);
  return client.sign(
    {
      artifact: { digest, uri },
      policy,
      innerBundles: innerBundles.map((b, i) => parseBundle(b, `innerBundles[${i}]`)),
      statement: { predicateType, predicateJson },
    },
    call,
  );
}
