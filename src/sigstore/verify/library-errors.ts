/**
 * Translates what `@sigstore/verify` throws into our failure codes.
 *
 * The library's codes are coarse (one CERTIFICATE_ERROR for a broken chain, an expired leaf and a
 * bad SCT; one TLOG_INCLUSION_PROOF_ERROR for a bad checkpoint and a bad Merkle path), so the
 * message and the bundle's signing times are used to name the real cause. Anything that is not a
 * VerificationError (a TypeError deep in a parser fed hostile bytes) is a malformed bundle.
 */
import type { X509Certificate } from "@sigstore/core";
import { PolicyError, VerificationError } from "@sigstore/verify";
import { failure, type FailureCode, type VerificationFailure } from "./failures.js";
import type { SigningTime } from "./timestamps.js";

/** What is known about the bundle when the library fails, to refine its coarse codes. */
export interface FailureContext {
  /** The signing certificate, when the bundle has one. */
  readonly leaf?: X509Certificate;
  /** The signing times the bundle claims. */
  readonly signingTimes: readonly SigningTime[];
}

/** Checkpoint problems are the checkpoint's; the rest of TLOG_INCLUSION_PROOF_ERROR is the path. */
const CHECKPOINT_MESSAGES = ["checkpoint", "too few lines", "no signatures found", "missing checkpoint separator"];

function libraryCode(err: unknown): string | undefined {
  return err instanceof VerificationError || err instanceof PolicyError ? err.code : undefined;
}

function describeCause(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error && cause.message ? ` (${cause.message})` : "";
}

/** The times, outside the certificate's validity, at which the bundle claims it was signed. */
function timesOutsideValidity(leaf: X509Certificate, times: readonly SigningTime[]): SigningTime[] {
  try {
    return times.filter((t) => !leaf.validForDate(t.time));
  } catch {
    return [];
  }
}

function certificateFailure(message: string, err: unknown, context: FailureContext): VerificationFailure {
  if (/SCT/.test(message)) return failure("SCT_INVALID", `certificate transparency: ${message}`);
  if (context.leaf) {
    const outside = timesOutsideValidity(context.leaf, context.signingTimes);
    const [first] = outside;
    if (first !== undefined) {
      const leaf = context.leaf;
      return failure(
        "CERT_EXPIRED_AT_SIGNING",
        `certificate is valid from ${leaf.notBefore.toISOString()} to ${leaf.notAfter.toISOString()}, ` +
          `but the ${first.source === "TLOG" ? "log's integrated time" : "RFC 3161 timestamp"} says it signed at ${first.time.toISOString()}`,
      );
    }
  }
  return failure("CERT_CHAIN_INVALID", `certificate does not chain to a CA in the trusted root valid at signing time: ${message}${describeCause(err)}`);
}

/** Maps an error thrown by `Verifier.verify` to a failure. */
export function libraryFailure(err: unknown, context: FailureContext): VerificationFailure {
  const code = libraryCode(err);
  const message = err instanceof Error ? err.message : String(err);
  const as = (ours: FailureCode, text: string) => failure(ours, text);
  switch (code) {
    case "TIMESTAMP_ERROR":
      return /expected \d+ timestamps, got 0/.test(message)
        ? as("TIMESTAMP_MISSING", "bundle has no verifiable signing time: no log entry with a SET (inclusion promise) and no RFC 3161 timestamp")
        : as("TIMESTAMP_INVALID", `RFC 3161 timestamp not accepted: ${message}${describeCause(err)}`);
    case "CERTIFICATE_ERROR":
      return certificateFailure(message, err, context);
    case "PUBLIC_KEY_ERROR":
      return as("KEY_MISMATCH", `signing key not accepted: ${message}`);
    case "TLOG_INCLUSION_PROMISE_ERROR":
      return as("SET_INVALID", `the log's signed entry timestamp (SET) does not verify with a log key in the trusted root valid at the integrated time`);
    case "TLOG_INCLUSION_PROOF_ERROR":
      return CHECKPOINT_MESSAGES.some((m) => message.includes(m))
        ? as("CHECKPOINT_INVALID", `log checkpoint not accepted: ${message}`)
        : as("TLOG_INCLUSION_INVALID", `inclusion proof does not lead to the checkpoint's root: ${message}`);
    case "TLOG_MISSING_INCLUSION_ERROR":
      return as("TLOG_MISSING", "log entry has neither an inclusion promise (SET) nor an inclusion proof");
    case "TLOG_BODY_ERROR":
      return as("TLOG_BODY_MISMATCH", `log entry body does not match the bundle: ${message}`);
    case "TLOG_ERROR":
      return /expected \d+ tlog entries/.test(message)
        ? as("TLOG_MISSING", "bundle has no transparency log entry")
        : as("TLOG_INCLUSION_INVALID", `log entries not accepted: ${message}`);
    case "SIGNATURE_ERROR":
      return as("SIGNATURE_INVALID", `signature does not verify with the signing key: ${message}`);
    case "UNTRUSTED_SIGNER_ERROR":
      return as("SIGNER_MISMATCH", message);
    default:
      if (code?.startsWith("TLOG")) return as("TLOG_INCLUSION_INVALID", message);
      if (code?.startsWith("TIMESTAMP")) return as("TIMESTAMP_INVALID", message);
      if (code?.startsWith("CERTIFICATE")) return certificateFailure(message, err, context);
      return as("BUNDLE_MALFORMED", `bundle could not be processed: ${err instanceof Error ? err.name : "error"}: ${message}`);
  }
}
