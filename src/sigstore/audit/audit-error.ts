/**
 * What an audit of the transparency log can find, as a closed set of codes. A finding is not an
 * exception: the auditor collects them, names each, and the command exits non-zero.
 */

/** The problems `certus-trust log verify` names. */
export type AuditProblemCode =
  /** A checkpoint's signature does not verify with the log key (or is missing, or malformed). */
  | "BAD_SIGNATURE"
  /** The log key differs from the one pinned in the auditor's state. */
  | "LOG_KEY_CHANGED"
  /** A checkpoint is from another log (origin). */
  | "WRONG_ORIGIN"
  /** Two checkpoints are not consistent: the newer tree does not extend the older one. */
  | "INCONSISTENT_CHECKPOINTS"
  /** The root recomputed from every entry differs from the signed checkpoint's root. */
  | "ROOT_MISMATCH"
  /** An entry's body does not hash to its leaf hash (its UUID). */
  | "ENTRY_LEAF_MISMATCH"
  /** An entry's inclusion proof does not lead to the signed checkpoint's root. */
  | "INCLUSION_PROOF_INVALID"
  /** The server answered something that is not a well-formed answer. */
  | "MALFORMED_RESPONSE";

/** One problem found, with a message that says where. */
export interface AuditProblem {
  readonly code: AuditProblemCode;
  readonly message: string;
  /** The entry concerned, when there is one. */
  readonly logIndex?: number;
}

/** Human names of the codes, as the command prints them. */
export const PROBLEM_TITLES: Readonly<Record<AuditProblemCode, string>> = {
  BAD_SIGNATURE: "bad signature",
  LOG_KEY_CHANGED: "log key changed",
  WRONG_ORIGIN: "wrong origin",
  INCONSISTENT_CHECKPOINTS: "inconsistent checkpoints",
  ROOT_MISMATCH: "root mismatch",
  ENTRY_LEAF_MISMATCH: "entry body not matching its leaf",
  INCLUSION_PROOF_INVALID: "invalid inclusion proof",
  MALFORMED_RESPONSE: "malformed response",
};
