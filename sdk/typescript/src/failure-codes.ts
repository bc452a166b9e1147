/**
 * The closed set of verification failure codes (verify.proto, `VerificationFailure.code`). A
 * verdict is not an error: `verify` succeeds with `verified: false` and these codes say why.
 */

/** Every code a `VerificationFailure` may carry. */
export const FAILURE_CODES = [
  "SIGNATURE_INVALID",
  "DIGEST_MISMATCH",
  "CERT_CHAIN_INVALID",
  "SIGNER_MISMATCH",
  "ISSUER_MISMATCH",
  "TLOG_INCLUSION_INVALID",
  "SET_INVALID",
  "CHECKPOINT_INVALID",
  "TLOG_BODY_MISMATCH",
  "TLOG_MISSING",
  "TIMESTAMP_INVALID",
  "TIMESTAMP_MISSING",
  "CERT_EXPIRED_AT_SIGNING",
  "SCT_INVALID",
  "TRUST_ROOT_INVALID",
  "BUNDLE_MALFORMED",
  "KEY_MISMATCH",
  "PREDICATE_TYPE_MISMATCH",
] as const;

/** A verification failure code. */
export type FailureCode = (typeof FAILURE_CODES)[number];

const KNOWN: ReadonlySet<string> = new Set(FAILURE_CODES);

/** True when `code` is one of `FAILURE_CODES` (a newer server may add codes). */
export function isFailureCode(code: string): code is FailureCode {
  return KNOWN.has(code);
}
