/**
 * The one place where domain errors become RPC errors (as connect-es' `ConnectError.from` does
 * for its own errors). The cause is kept for the server log and never copied into the message a
 * caller sees; anything unexpected becomes `internal` with a generic message.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { BadRequestSchema, BadRequest_FieldViolationSchema, RetryInfoSchema } from "@certus/trust-sdk/gen/google/rpc/error_details_pb";
import { InvalidArgumentError, PolicyRefusedError, RateLimitedError, TrustError, UnavailableError, type TrustErrorCode } from "../errors.js";

const CODES: Record<TrustErrorCode, Code> = {
  INVALID_ARGUMENT: Code.InvalidArgument,
  NOT_FOUND: Code.NotFound,
  ALREADY_EXISTS: Code.AlreadyExists,
  FAILED_PRECONDITION: Code.FailedPrecondition,
  UNAUTHENTICATED: Code.Unauthenticated,
  PERMISSION_DENIED: Code.PermissionDenied,
  RESOURCE_EXHAUSTED: Code.ResourceExhausted,
  UNAVAILABLE: Code.Unavailable,
  UNIMPLEMENTED: Code.Unimplemented,
  INTERNAL: Code.Internal,
};

/** Converts any thrown value into the ConnectError a caller receives. */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  if (err instanceof TrustError) {
    const out = new ConnectError(err.message, CODES[err.code], undefined, undefined, err);
    if (err instanceof InvalidArgumentError) {
      out.details.push({
        desc: BadRequestSchema,
        value: create(BadRequestSchema, {
          fieldViolations: [create(BadRequest_FieldViolationSchema, { field: err.field, description: err.message })],
        }),
      });
    } else if (err instanceof UnavailableError || err instanceof RateLimitedError) {
      out.details.push({ desc: RetryInfoSchema, value: create(RetryInfoSchema, { retryDelay: durationFromMs(err.retryAfterMs) }) });
      out.metadata.set("retry-after", String(Math.ceil(err.retryAfterMs / 1000)));
    } else if (err instanceof PolicyRefusedError) {
      out.details.push({
        desc: BadRequestSchema,
        value: create(BadRequestSchema, {
          fieldViolations: err.reasons.map((r) => create(BadRequest_FieldViolationSchema, { field: "policy", description: r })),
        }),
      });
    }
    return out;
  }
  return new ConnectError("internal error; the server log has the details (look up the request id)", Code.Internal, undefined, undefined, err);
}
