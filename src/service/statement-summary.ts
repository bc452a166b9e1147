/**
 * What a verified DSSE bundle's in-toto statement says (predicate type and subjects), for the
 * verdict and for `expectedSigner.predicateType`. Read after the engine has judged the bundle:
 * the summary describes the signed payload, it does not make a bundle valid. The payload is
 * hostile bytes: size-bounded, parsed without letting a SyntaxError escape.
 */
import { failure, type VerificationFailure } from "../sigstore/verify/failures.js";

/** Largest DSSE payload summarized, bytes (decoded). */
export const MAX_SUMMARIZED_PAYLOAD_BYTES = 4 * 1024 * 1024;
const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

/** One subject of a statement. */
export interface SubjectSummary {
  name: string;
  digest: Record<string, string>;
}

/** A statement's predicate type and subjects. */
export interface StatementSummary {
  predicateType: string;
  subjects: SubjectSummary[];
}

/**
 * The statement of a DSSE envelope, or undefined when its payload is not an in-toto statement
 * (another payload type, not JSON, too large, or without a predicate type).
 */
export function statementOf(envelope: { payloadType: string; payload: Uint8Array }): StatementSummary | undefined {
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE || envelope.payload.length > MAX_SUMMARIZED_PAYLOAD_BYTES) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(envelope.payload).toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const s = parsed as { predicateType?: unknown; subject?: unknown };
  if (typeof s.predicateType !== "string") return undefined;
  const subjects: SubjectSummary[] = [];
  if (Array.isArray(s.subject)) {
    for (const sub of s.subject as unknown[]) {
      if (typeof sub !== "object" || sub === null) continue;
      const { name, digest } = sub as { name?: unknown; digest?: unknown };
      const digests: Record<string, string> = {};
      if (typeof digest === "object" && digest !== null) for (const [k, v] of Object.entries(digest)) if (typeof v === "string") digests[k] = v;
      subjects.push({ name: typeof name === "string" ? name : "", digest: digests });
    }
  }
  return { predicateType: s.predicateType, subjects };
}

/** The failure when a required predicate type is not the statement's, or undefined when it is. */
export function predicateTypeFailure(required: string, statement: StatementSummary | undefined): VerificationFailure | undefined {
  if (required === "") return undefined;
  if (statement === undefined)
    return failure("PREDICATE_TYPE_MISMATCH", `expected an in-toto statement with predicate type "${required}"; the bundle has no in-toto DSSE payload`);
  if (statement.predicateType !== required)
    return failure("PREDICATE_TYPE_MISMATCH", `expected predicate type "${required}", found "${statement.predicateType}"`);
  return undefined;
}
