/**
 * Per-caller token buckets: each caller may make `burst` calls at once and `ratePerSec` calls per
 * second sustained. A refused call gets `resource_exhausted` with a retry hint (when its next
 * token arrives). Buckets are kept in memory per process; idle ones are dropped.
 */
import { RateLimitedError } from "../errors.js";

/** Most buckets kept; above it, full (idle) buckets are swept. */
const MAX_BUCKETS = 100_000;
/** How often idle buckets are swept, ms. */
const SWEEP_EVERY_MS = 60_000;

interface Bucket {
  tokens: number;
  updated: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = 0;

  /**
   * @param ratePerSec tokens added per second (0: no limit)
   * @param burst bucket size
   * @param onRejected called for every refused call (metrics)
   * @param now clock in ms (tests)
   */
  constructor(
    readonly ratePerSec: number,
    readonly burst: number,
    private readonly onRejected: (key: string) => void = () => {},
    private readonly now: () => number = () => performance.now(),
  ) {}

  get enabled(): boolean {
    return this.ratePerSec > 0;
  }

  /**
   * Takes `cost` tokens (default one call) for `key` or throws `RateLimitedError`. A cost above
   * the burst can never be paid; such a call is refused like any other over the limit.
   */
  take(
    key: string,
    cost = 1,
    describe: (retryAfterMs: number) => string = (ms) =>
      `rate limit: more than ${this.ratePerSec} calls per second (burst ${this.burst}) from this caller; retry in ${ms} ms`,
  ): void {
    if (!this.enabled) return;
    const now = this.now();
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = { tokens: this.burst, updated: now };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.updated) / 1000) * this.ratePerSec);
      b.updated = now;
    }
    if (b.tokens >= cost) {
      b.tokens -= cost;
      this.sweep(now);
      return;
    }
    const retryAfterMs = Math.ceil(((Math.min(cost, this.burst) - b.tokens) / this.ratePerSec) * 1000);
    this.onRejected(key);
    throw new RateLimitedError(describe(retryAfterMs), retryAfterMs);
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS && this.buckets.size < MAX_BUCKETS) return;
    this.lastSweep = now;
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((now - b.updated) / 1000) * this.ratePerSec >= this.burst) this.buckets.delete(k);
    }
  }
}
