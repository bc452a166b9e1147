/**
 * Synchronous work run without capturing stack traces on the errors thrown inside it.
 *
 * `@sigstore/core`'s ASN.1 reader tries to parse every OCTET STRING as nested DER and throws (and
 * catches) an `ASN1ParseError` for each that is not: about twenty per verification of a Fulcio
 * bundle with an RFC 3161 timestamp (SCT lists, key identifiers, message digests). Each capture
 * walks the stack and formats it; with every error capturing one, that was a sixth of a
 * verification's time. Nothing on the verification path reads a stack: every error becomes a
 * verdict or a request error from its name and message.
 */

/** Runs `fn` with `Error.stackTraceLimit` 0, restored afterwards. Synchronous work only. */
export function withoutStackTraces<T>(fn: () => T): T {
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}
