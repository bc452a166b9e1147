/**
 * The error model: every failed call throws a `TrustError` carrying the RPC code, the server's
 * message and the details it attached. Both protocols and both runtimes report the same codes, so
 * callers write one `catch` whatever the transport.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, RetryInfoSchema } from "./gen/google/rpc/error_details_pb.js";
import type { VerificationFailure } from "./gen/certus/trust/v1/verify_pb.js";

/** An RPC status code as the Connect protocol spells it on the wire (`invalid_argument`). */
export type CodeName =
  | "canceled"
  | "unknown"
  | "invalid_argument"
  | "deadline_exceeded"
  | "not_found"
  | "already_exists"
  | "permission_denied"
  | "resource_exhausted"
  | "failed_precondition"
  | "aborted"
  | "out_of_range"
  | "unimplemented"
  | "internal"
  | "unavailable"
  | "data_loss"
  | "unauthenticated";

/** One reason a request was refused (`google.rpc.BadRequest.FieldViolation`). */
export interface FieldViolation {
  /** The JSON path of the field, e.g. `artifact.digest`; `policy` for a policy refusal. */
  readonly field: string;
  /** What is wrong with it. */
  readonly description: string;
}

/** What a `TrustError` is built from; every field but `code` and `message` is optional. */
export interface TrustErrorInit {
  code: Code;
  message: string;
  violations?: readonly FieldViolation[];
  failures?: readonly VerificationFailure[];
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * A call to Certus-Trust failed, or (from `expectVerified`) a bundle did not verify.
 *
 * `code` is the Connect `Code` (compare with `Code.InvalidArgument`, or `codeName` with
 * `"invalid_argument"`); `violations` are the bad fields of an `invalid_argument` request or the
 * reasons of a policy refusal; `failures` are the verdict's failure codes when a verification was
 * required to pass; `retryAfterMs` is the server's hint with `unavailable`. `cause` keeps the
 * underlying `ConnectError`.
 */
export class TrustError extends Error {
  override readonly name = "TrustError";
  /** The RPC status code. */
  readonly code: Code;
  /** The server's message, safe to show a person (without the `[code]` prefix of `message`). */
  readonly rawMessage: string;
  /** Field violations from `google.rpc.BadRequest`; empty when the server sent none. */
  readonly violations: readonly FieldViolation[];
  /** The verification failures (stable codes such as `SIGNATURE_INVALID`) of a refused verdict. */
  readonly failures: readonly VerificationFailure[];
  /** Milliseconds to wait before retrying (`google.rpc.RetryInfo` or `Retry-After`), if given. */
  readonly retryAfterMs: number | undefined;

  constructor(init: TrustErrorInit) {
    super(`[${codeName(init.code)}] ${init.message}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.rawMessage = init.message;
    this.violations = init.violations ?? [];
    this.failures = init.failures ?? [];
    this.retryAfterMs = init.retryAfterMs;
  }

  /** The code as the wire spells it: `invalid_argument`, `unavailable`, … */
  get codeName(): CodeName {
    return codeName(this.code);
  }

  /**
   * Converts anything a transport throws into a `TrustError`: a `ConnectError` keeps its code and
   * details; an abort becomes `canceled`; anything else `unknown` (with the original as `cause`).
   */
  static from(err: unknown): TrustError {
    if (err instanceof TrustError) return err;
    const ce = ConnectError.from(err);
    const violations: FieldViolation[] = [];
    let retryAfterMs: number | undefined;
    try {
      for (const bad of ce.findDetails(BadRequestSchema)) {
        for (const v of bad.fieldViolations) violations.push({ field: v.field, description: v.description });
      }
      const [retry] = ce.findDetails(RetryInfoSchema);
      if (retry?.retryDelay) retryAfterMs = Number(retry.retryDelay.seconds) * 1000 + Math.floor(retry.retryDelay.nanos / 1e6);
    } catch {
      // A detail that does not decode is ignored: the code and message still stand.
    }
    if (retryAfterMs === undefined) {
      const header = ce.metadata.get("retry-after");
      const seconds = header === null ? NaN : Number(header);
      if (Number.isFinite(seconds) && seconds >= 0) retryAfterMs = seconds * 1000;
    }
    return new TrustError({ code: ce.code, message: ce.rawMessage, violations, retryAfterMs, cause: err });
  }
}

const CODE_NAMES: Record<Code, CodeName> = {
  [Code.Canceled]: "canceled",
  [Code.Unknown]: "unknown",
  [Code.InvalidArgument]: "invalid_argument",
  [Code.DeadlineExceeded]: "deadline_exceeded",
  [Code.NotFound]: "not_found",
  [Code.AlreadyExists]: "already_exists",
  [Code.PermissionDenied]: "permission_denied",
  [Code.ResourceExhausted]: "resource_exhausted",
  [Code.FailedPrecondition]: "failed_precondition",
  [Code.Aborted]: "aborted",
  [Code.OutOfRange]: "out_of_range",
  [Code.Unimplemented]: "unimplemented",
  [Code.Internal]: "internal",
  [Code.Unavailable]: "unavailable",
  [Code.DataLoss]: "data_loss",
  [Code.Unauthenticated]: "unauthenticated",
};

/** The wire spelling of a Connect code (`Code.InvalidArgument` → `invalid_argument`). */
export function codeName(code: Code): CodeName {
  return CODE_NAMES[code] ?? "unknown";
}
