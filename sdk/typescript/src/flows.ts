/**
 * Helpers for the common flows, over any `TrustClient`: sign a digest, verify a bundle, require a
 * verdict to pass.
 */
import { Code, type CallOptions } from "@connectrpc/connect";
import { SignatureFormat, type SignResponse } from "./gen/certus/trust/v1/sign_pb.js";
import type { ExpectedSigner, VerifyResponse } from "./gen/certus/trust/v1/verify_pb.js";
import type { Bundle } from "./gen/sigstore_bundle_pb.js";
import { parseBundle, type BundleInput } from "./bundle.js";
import type { TrustClient } from "./client.js";
import { TrustError } from "./errors.js";

/** How `signDigest` shapes the signature: the enum, or its short name. */
export type SignatureFormatInput = SignatureFormat | "dsse" | "message-signature";

/** Options of `signDigest`, beside Connect's per-call options. */
export interface SignDigestOptions extends CallOptions {
  /** Names the artifact in the signed statement (`s3://…`, `oci://…`); never fetched. */
  uri?: string;
  /** DSSE (an in-toto statement, the default) or a message signature. */
  format?: SignatureFormatInput;
  /** The named signer policy; empty means `default`. */
  policy?: string;
  /** Inner bundles the policy checks before the outer signature is made. */
  innerBundles?: readonly BundleInput[];
}

/** Signs an artifact known by its digest (`sha256:<64 hex>`). */
export async function signDigest(client: TrustClient, digest: string, options: SignDigestOptions = {}): Promise<SignResponse> {
  const { uri = "", format, policy = "", innerBundles = [], ...call } = options;
  return client.sign(
    {
      artifact: { digest, uri },
      format: signatureFormat(format),
      policy,
      innerBundles: innerBundles.map((b, i) => parseBundle(b, `innerBundles[${i}]`)),
    },
    call,
  );
}

function signatureFormat(format: SignatureFormatInput | undefined): SignatureFormat {
  switch (format) {
    case undefined:
      return SignatureFormat.UNSPECIFIED;
    case "dsse":
      return SignatureFormat.DSSE;
    case "message-signature":
      return SignatureFormat.MESSAGE_SIGNATURE;
    default:
      if (typeof format === "number" && SignatureFormat[format] !== undefined) return format;
      throw new TypeError(`format must be "dsse", "message-signature" or a SignatureFormat, got ${String(format)}`);
  }
}

/**
 * Who must have signed: `{ subject, issuer }` (a `SignResponse.signer` works as is), or
 * `subjectRegexp`, `publicKey` for key-signed bundles, or a named `policy`.
 */
export type ExpectedSignerInput = Partial<Pick<ExpectedSigner, "subject" | "subjectRegexp" | "issuer" | "publicKey" | "policy" | "predicateType">>;

/**
 * Verifies one bundle (a message, its JSON text or parsed JSON) over an artifact digest
 * (`sha256:<64 hex>`, `sha384:<96 hex>` or `sha512:<128 hex>`: npm provenance names packages by
 * SHA-512 only) against the expected signer. Resolves with the verdict: read `verified` and `failures`, or pass it to
 * `expectVerified`.
 */
export async function verifyBundle(
  client: TrustClient,
  bundle: BundleInput,
  digest: string,
  expected: ExpectedSignerInput,
  options?: CallOptions,
): Promise<VerifyResponse> {
  const parsed: Bundle = parseBundle(bundle);
  return client.verify(
    {
      artifact: { digest },
      bundle: parsed,
      expectedSigner: {
        subject: expected.subject ?? "",
        subjectRegexp: expected.subjectRegexp ?? "",
        issuer: expected.issuer ?? "",
        publicKey: expected.publicKey ?? "",
        policy: expected.policy ?? "",
        predicateType: expected.predicateType ?? "",
      },
    },
    options,
  );
}

/**
 * Returns the verdict when it passed; otherwise throws a `TrustError` with code
 * `failed_precondition` whose `failures` are the verdict's (`SIGNATURE_INVALID`, …).
 */
export function expectVerified(verdict: VerifyResponse): VerifyResponse {
  if (verdict.verified) return verdict;
  const codes = verdict.failures.map((f) => f.code).join(", ") || "no reason given";
  throw new TrustError({ code: Code.FailedPrecondition, message: `the bundle did not verify: ${codes}`, failures: verdict.failures });
}
