/**
 * Why a bundle was not verified: a closed set of stable codes, one per check.
 *
 * Callers (the Verify RPC, policies, audit events, SDKs) branch on the code; the message is for a
 * person and says what was expected and what was found. Codes are never renamed or reused; a new
 * check gets a new code here, and every consumer's `switch` then fails to typecheck until it is
 * handled, which is the point of keeping the set closed.
 */

/** Every failure code, in the order the checks run. */
export const FAILURE_CODES = [
  "BUNDLE_MALFORMED",
  "TRUST_ROOT_INVALID",
  "DIGEST_MISMATCH",
  "SIGNATURE_INVALID",
  "KEY_MISMATCH",
  "SIGNER_MISMATCH",
  "ISSUER_MISMATCH",
  "CERT_CHAIN_INVALID",
  "CERT_EXPIRED_AT_SIGNING",
  "SCT_INVALID",
  "TIMESTAMP_INVALID",
  "TIMESTAMP_MISSING",
  "TLOG_MISSING",
  "TLOG_INCLUSION_INVALID",
  "SET_INVALID",
  "CHECKPOINT_INVALID",
  "TLOG_BODY_MISMATCH",
  // Checked by the Verify service after the engine: the statement is not of the required type.
  "PREDICATE_TYPE_MISMATCH",
] as const;

/** One of {@link FAILURE_CODES}. */
export type FailureCode = (typeof FAILURE_CODES)[number];

/** One reason a bundle was rejected. */
export interface VerificationFailure {
  readonly code: FailureCode;
  /** For a person: what was expected and what was found. Never contains key material. */
  readonly message: string;
}

/** Builds a failure; a function so call sites read as sentences. */
export function failure(code: FailureCode, message: string): VerificationFailure {
  return { code, message };
}

const CODE_SET: ReadonlySet<string> = new Set(FAILURE_CODES);

/** Narrows a string (for example from a stored audit event) to a failure code. */
export function isFailureCode(value: unknown): value is FailureCode {
  return typeof value === "string" && CODE_SET.has(value);
}

/** JSON.stringify as it behaves: undefined for undefined, functions and symbols (its declared type says string). */
function jsonOrUndefined(value: unknown): string | undefined {
  return JSON.stringify(value);
}

/** Quotes a value from the outside for a message: JSON-escaped and cut to a readable length. */
export function quote(value: unknown, max = 200): string {
  let text: string;
  try {
    text = jsonOrUndefined(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}…"` : text;
}
