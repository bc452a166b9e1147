/**
 * The closed set of reasons an upload permission is granted or refused. A refusal is a verdict
 * (`permitted: false` with one of these), not an RPC error: callers branch on the code, people
 * read `detail`.
 */
export const PERMIT_REASONS = [
  "permitted",
  "no_artifacts",
  "duplicate_artifact",
  "placeholder_signature",
  "malformed_signature",
  "signature_invalid",
  "invalid_signer",
  "unknown_signing_key",
  "inner_signature_not_logged",
  "certificate_invalid",
  "artifact_hash_mismatch",
] as const;

export type PermitReason = (typeof PERMIT_REASONS)[number];

/** A refusal with its reason and what was expected and found. */
export interface Refusal {
  readonly reason: Exclude<PermitReason, "permitted">;
  readonly detail: string;
}

export function refusal(reason: Refusal["reason"], detail: string): Refusal {
  return { reason, detail };
}
