/**
 * Caller attestations: the caller's own claim about the artifact (SLSA provenance, a scan result,
 * a Certus predicate) signed by the service as an in-toto Statement v1 whose subject is the
 * artifact. This file checks what the caller sent and builds the statement; whether this caller
 * may have this predicate type signed is the policy's (policy/attestation-rules.ts), and the
 * signing itself is `Sign`'s (sign.ts).
 */
import { InvalidArgumentError } from "../errors.js";
import { IN_TOTO_STATEMENT_V1 } from "../rpc/statement.js";

/** Largest predicate accepted, in UTF-8 bytes of the JSON text as sent. */
export const MAX_PREDICATE_BYTES = 256 * 1024;
/** Longest predicate type accepted, characters. */
export const MAX_PREDICATE_TYPE_CHARS = 512;
/** Deepest nesting of objects and arrays accepted in a predicate (JSON.parse recurses). */
export const MAX_PREDICATE_DEPTH = 64;

/** A caller statement that passed the checks. */
export interface CheckedCallerStatement {
  predicateType: string;
  /** The predicate, a JSON object. */
  predicate: Record<string, unknown>;
}

/** Nesting depth of a JSON text, counted on the text so a deep one never reaches JSON.parse. */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/**
 * Checks a caller statement: an absolute-URI predicate type and a predicate that is one JSON
 * object within the size and depth limits. Field names are the request's (`statement.…`).
 */
export function checkCallerStatement(statement: { predicateType: string; predicateJson: string }): CheckedCallerStatement {
  const type = statement.predicateType;
  if (type === "") throw new InvalidArgumentError("statement.predicateType", "is required: an absolute URI such as https://slsa.dev/provenance/v1");
  if (type.length > MAX_PREDICATE_TYPE_CHARS)
    throw new InvalidArgumentError("statement.predicateType", `is ${type.length} characters; at most ${MAX_PREDICATE_TYPE_CHARS}`);
  let parsedType: URL | undefined;
  try {
    parsedType = new URL(type);
  } catch {
    parsedType = undefined;
  }
  if (parsedType === undefined || /\s/.test(type))
    throw new InvalidArgumentError("statement.predicateType", `"${type.slice(0, 80)}" is not an absolute URI (e.g. https://slsa.dev/provenance/v1)`);
  const bytes = Buffer.byteLength(statement.predicateJson, "utf8");
  if (bytes === 0) throw new InvalidArgumentError("statement.predicateJson", "is required: the predicate as a JSON object");
  if (bytes > MAX_PREDICATE_BYTES) throw new InvalidArgumentError("statement.predicateJson", `is ${bytes} bytes; at most ${MAX_PREDICATE_BYTES}`);
  if (jsonDepth(statement.predicateJson) > MAX_PREDICATE_DEPTH)
    throw new InvalidArgumentError("statement.predicateJson", `nests deeper than ${MAX_PREDICATE_DEPTH} levels`);
  let predicate: unknown;
  try {
    predicate = JSON.parse(statement.predicateJson);
  } catch (err) {
    throw new InvalidArgumentError("statement.predicateJson", `is not JSON: ${(err as Error).message}`);
  }
  if (typeof predicate !== "object" || predicate === null || Array.isArray(predicate)) {
    throw new InvalidArgumentError("statement.predicateJson", "must be a JSON object");
  }
  return { predicateType: type, predicate: predicate as Record<string, unknown> };
}

/** The in-toto Statement v1 of a caller attestation; the subject is the artifact. */
export function callerStatement(input: { uri: string; digestHex: string; statement: CheckedCallerStatement }): Buffer {
  const statement = {
    _type: IN_TOTO_STATEMENT_V1,
    subject: [{ name: input.uri || `sha256:${input.digestHex}`, digest: { sha256: input.digestHex } }],
    predicateType: input.statement.predicateType,
    predicate: input.statement.predicate,
  };
  return Buffer.from(JSON.stringify(statement), "utf8");
}
