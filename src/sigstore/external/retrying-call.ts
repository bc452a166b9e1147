/**
 * One call to an upstream, made reliable: attempts under an overall deadline, retries with
 * exponential backoff and jitter for failures that may pass (connection errors, timeouts,
 * 408/429/5xx, garbage), a circuit breaker that answers at once while the upstream is down, and a
 * typed `UnavailableError` naming the component when the deadline passes. Nothing else escapes
 * but a definitive answer the attempt itself throws (see {@link DefinitiveError}).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { TrustError, UnavailableError } from "../../errors.js";
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from "./backoff.js";
import type { CircuitBreaker } from "./circuit-breaker.js";
import { field } from "./json-fields.js";

/** A failure worth retrying: the upstream may answer next time. */
export class TransientUpstreamError extends Error {
  /** Server-suggested wait (Retry-After), in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options);
    this.name = "TransientUpstreamError";
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/**
 * A definitive answer (the upstream is alive but refused, or answered something retrying cannot
 * change): passed to the caller as is, and it does not count against the circuit.
 */
export class DefinitiveError extends Error {
  constructor(readonly error: TrustError) {
    super(error.message, { cause: error });
    this.name = "DefinitiveError";
  }
}

/** How one retrying call behaves. */
export interface RetryingCallOptions {
  /** The component named in errors and readiness (`fulcio`, `rekor`, …). */
  readonly component: string;
  readonly breaker: CircuitBreaker;
  /** The whole call's budget, attempts and waits included, in milliseconds. */
  readonly deadlineMs: number;
  /** Longest single attempt, in milliseconds; default the whole deadline. */
  readonly attemptTimeoutMs?: number;
  readonly backoff?: BackoffPolicy;
  /** The caller's cancellation (e.g. the RPC's signal). */
  readonly signal?: AbortSignal;
  /** Milliseconds since the epoch; default `Date.now` (tests). */
  readonly now?: () => number;
  readonly random?: () => number;
}

/**
 * Runs `attempt` until it succeeds, throws a {@link DefinitiveError} (its TrustError is
 * rethrown), or the deadline passes (`UnavailableError`). `attempt` gets an AbortSignal that
 * fires at the end of its time slice; any error other than a DefinitiveError counts as transient.
 */
/** The least time worth giving a retry, in milliseconds (see the check after each failure). */
export const MIN_ATTEMPT_MS = 25;

export async function retryingCall<T>(options: RetryingCallOptions, attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const now = options.now ?? Date.now;
  const started = now();
  const deadline = started + options.deadlineMs;
  const { component, breaker } = options;
  let last = "no attempt was made";
  for (let n = 0; ; n += 1) {
    if (options.signal?.aborted) throw new UnavailableError(component, `the call was cancelled (last: ${last})`, { cause: options.signal.reason });
    if (!breaker.tryAcquire()) {
      throw new UnavailableError(component, `not reachable; calls are paused after repeated failures (last: ${breaker.lastFailure ?? last})`, {
        retryAfterMs: Math.max(1000, breaker.retryAfterMs()),
      });
    }
    const remaining = deadline - now();
    if (n > 0 && remaining < MIN_ATTEMPT_MS) {
      throw new UnavailableError(component, `no usable answer within ${options.deadlineMs} ms (last: ${last})`, {
        retryAfterMs: Math.max(1000, breaker.retryAfterMs()),
      });
    }
    const slice = Math.max(1, Math.min(remaining, options.attemptTimeoutMs ?? remaining));
    const timeout = AbortSignal.timeout(slice);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    let suggestedWaitMs: number | undefined;
    try {
      // Raced with the signal: an attempt that ignores it still ends with its time slice.
      const value = await untilAborted(attempt(signal), signal);
      breaker.success();
      return value;
    } catch (err) {
      if (err instanceof DefinitiveError) {
        breaker.success();
        throw err.error;
      }
      if (options.signal?.aborted) {
        breaker.release();
        throw new UnavailableError(component, "the call was cancelled", { cause: err });
      }
      last = describeFailure(err, timeout.aborted, slice);
      breaker.failure(last);
      if (err instanceof TransientUpstreamError) suggestedWaitMs = err.retryAfterMs;
    }
    const wait = Math.max(backoffDelay(n, options.backoff ?? DEFAULT_BACKOFF, options.random), suggestedWaitMs ?? 0);
    // No retry that would be left less than MIN_ATTEMPT_MS: it could only time out, and its
    // "no answer within 1 ms" would replace the failure worth reporting (a timer firing late
    // after the backoff once did exactly that).
    if (now() + wait + MIN_ATTEMPT_MS > deadline) {
      throw new UnavailableError(component, `no usable answer within ${options.deadlineMs} ms (last: ${last})`, {
        retryAfterMs: Math.max(1000, breaker.retryAfterMs()),
      });
    }
    await sleep(wait, undefined, options.signal ? { signal: options.signal } : undefined).catch(() => undefined);
  }
}

/** The signal's abort reason (a DOMException for `abort()` and `AbortSignal.timeout`), as an Error. */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(String(reason), { cause: reason });
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  let off: () => void = () => {};
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    off = () => signal.removeEventListener("abort", onAbort);
  });
  work.catch(() => undefined);
  return Promise.race([work, aborted]).finally(off);
}

function describeFailure(err: unknown, timedOut: boolean, sliceMs: number): string {
  if (timedOut) return `no answer within ${sliceMs} ms`;
  if (err instanceof TransientUpstreamError) return err.message;
  const code = field(field(err, "cause"), "code");
  if ((typeof code === "string" || typeof code === "number") && code) return `connection failed (${code})`;
  if (err instanceof Error) return err.message.slice(0, 200);
  return "unknown failure";
}
