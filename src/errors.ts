/**
 * Domain errors of Certus-Trust.
 *
 * Every failure the service reports to a caller is one of these, with a code from a closed set.
 * They are turned into RPC codes in exactly one place (`http/error-mapping.ts`); the `cause` is
 * kept for the server log and never copied into what the caller sees.
 */

/** The closed set of domain error codes. */
export type TrustErrorCode =
  | "INVALID_ARGUMENT"
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "FAILED_PRECONDITION"
  | "UNAUTHENTICATED"
  | "PERMISSION_DENIED"
  | "RESOURCE_EXHAUSTED"
  | "UNAVAILABLE"
  | "UNIMPLEMENTED"
  | "INTERNAL";

/** Base class: a failure with a stable code and a message safe to show the caller. */
export class TrustError extends Error {
  readonly code: TrustErrorCode;

  constructor(code: TrustErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TrustError";
    this.code = code;
  }
}

/** A caller's mistake in one field of a request; `field` is its JSON path (e.g. `artifact.digest`). */
export class InvalidArgumentError extends TrustError {
  readonly field: string;

  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super("INVALID_ARGUMENT", `${field}: ${message}`, options);
    this.name = "InvalidArgumentError";
    this.field = field;
  }
}

/** The thing asked for (an entry, a uuid, a policy) does not exist. */
export class NotFoundError extends TrustError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("NOT_FOUND", message, options);
    this.name = "NotFoundError";
  }
}

/**
 * A component the service depends on (disk, log store, an upstream Sigstore server) cannot serve
 * now. `component` names it for the caller and for health reports; `retryAfterMs` is a hint.
 */
export class UnavailableError extends TrustError {
  readonly component: string;
  readonly retryAfterMs: number;

  constructor(component: string, message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super("UNAVAILABLE", `${component}: ${message}`, options);
    this.name = "UnavailableError";
    this.component = component;
    this.retryAfterMs = options?.retryAfterMs ?? 1000;
  }
}

/** A policy refused the request (for example an inner signer that does not satisfy it). */
export class PolicyRefusedError extends TrustError {
  readonly reasons: readonly string[];

  constructor(message: string, reasons: readonly string[], options?: { cause?: unknown }) {
    super("FAILED_PRECONDITION", message, options);
    this.name = "PolicyRefusedError";
    this.reasons = reasons;
  }
}

/** The caller sent too many requests; `retryAfterMs` says when its next call would be accepted. */
export class RateLimitedError extends TrustError {
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number) {
    super("RESOURCE_EXHAUSTED", message);
    this.name = "RateLimitedError";
    this.retryAfterMs = retryAfterMs;
  }
}
