/**
 * A circuit breaker per upstream: after `failureThreshold` consecutive failures it opens and
 * refuses calls at once (no traffic to a dead service, callers answered immediately); after
 * `openMs` it lets exactly one call through (half-open): its success closes the circuit, its
 * failure opens it again for another `openMs`.
 */

/** Consecutive failures that open the circuit. */
export const DEFAULT_FAILURE_THRESHOLD = 3;
/** How long the circuit stays open before a probe is let through, in milliseconds. */
export const DEFAULT_OPEN_MS = 5_000;

export type BreakerState = "closed" | "open" | "half-open";

export interface CircuitBreakerOptions {
  /** Default {@link DEFAULT_FAILURE_THRESHOLD}. */
  readonly failureThreshold?: number;
  /** Milliseconds. Default {@link DEFAULT_OPEN_MS}. */
  readonly openMs?: number;
  /** Milliseconds since the epoch; default `Date.now`. */
  readonly now?: () => number;
}

export class CircuitBreaker {
  readonly failureThreshold: number;
  readonly openMs: number;
  readonly #now: () => number;
  #state: BreakerState = "closed";
  #failures = 0;
  #openedAt = 0;
  #probeInFlight = false;
  #lastFailure: string | undefined;
  readonly #listeners = new Set<(state: BreakerState) => void>();

  constructor(options: CircuitBreakerOptions = {}) {
    this.failureThreshold = options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD;
    this.openMs = options.openMs ?? DEFAULT_OPEN_MS;
    this.#now = options.now ?? Date.now;
    if (!Number.isInteger(this.failureThreshold) || this.failureThreshold < 1) throw new TypeError("failureThreshold must be an integer >= 1");
    if (!(this.openMs >= 0)) throw new TypeError("openMs must be >= 0");
  }

  /** The state as of now (an open circuit whose time is up reads as half-open). */
  get state(): BreakerState {
    if (this.#state === "open" && this.#now() - this.#openedAt >= this.openMs) return "half-open";
    return this.#state;
  }

  /** Why the circuit last failed, for messages and readiness. */
  get lastFailure(): string | undefined {
    return this.#lastFailure;
  }

  /** Milliseconds until a call may be let through again (0 when one may go now). */
  retryAfterMs(): number {
    if (this.#state !== "open") return 0;
    return Math.max(0, this.openMs - (this.#now() - this.#openedAt));
  }

  /**
   * Asks to make a call: true when it may go (closed, or the one half-open probe). A caller that
   * got true must report the outcome with {@link success} or {@link failure}.
   */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === "closed") return true;
    if (state === "open" || this.#probeInFlight) return false;
    this.#probeInFlight = true;
    this.#set("half-open");
    return true;
  }

  /** The upstream answered (even with a refusal): it is alive. */
  success(): void {
    this.#probeInFlight = false;
    this.#failures = 0;
    this.#lastFailure = undefined;
    this.#set("closed");
  }

  /** The upstream did not answer usefully (connection error, timeout, 408/429/5xx, garbage). */
  failure(reason: string): void {
    this.#lastFailure = reason;
    this.#failures += 1;
    const wasProbe = this.#probeInFlight;
    this.#probeInFlight = false;
    if (wasProbe || this.#state !== "closed" || this.#failures >= this.failureThreshold) {
      this.#openedAt = this.#now();
      this.#set("open");
    }
  }

  /** A call that got permission ended without an outcome (cancelled by its caller). */
  release(): void {
    this.#probeInFlight = false;
  }

  /** Told on every state change (closed, open, half-open). */
  onChange(listener: (state: BreakerState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #set(state: BreakerState): void {
    if (this.#state === state) return;
    this.#state = state;
    for (const l of this.#listeners) l(state);
  }
}
