/**
 * Exponential backoff with full jitter (the delay is uniform in [0, cap), cap doubling per
 * attempt up to a maximum): retries from many replicas spread out instead of arriving in waves.
 */

/** First retry's delay cap, in milliseconds. */
export const DEFAULT_INITIAL_DELAY_MS = 100;
/** Largest delay between two attempts, in milliseconds. */
export const DEFAULT_MAX_DELAY_MS = 5_000;
/** Growth of the cap per attempt. */
export const DEFAULT_MULTIPLIER = 2;

/** How retries are spaced. */
export interface BackoffPolicy {
  /** Milliseconds. Default {@link DEFAULT_INITIAL_DELAY_MS}. */
  readonly initialDelayMs: number;
  /** Milliseconds. Default {@link DEFAULT_MAX_DELAY_MS}. */
  readonly maxDelayMs: number;
  /** Default {@link DEFAULT_MULTIPLIER}. */
  readonly multiplier: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({
  initialDelayMs: DEFAULT_INITIAL_DELAY_MS,
  maxDelayMs: DEFAULT_MAX_DELAY_MS,
  multiplier: DEFAULT_MULTIPLIER,
});

/**
 * Delay before retry number `attempt` (0 for the first retry), in milliseconds; at least 1 ms
 * so a retry never spins. `random` returns a number in [0, 1) (tests pin it).
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** Math.max(0, attempt));
  return Math.max(1, Math.floor(random() * cap));
}
