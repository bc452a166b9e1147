/**
 * One clock for the whole embedded stack, which never runs backwards.
 *
 * The log's integrated times never go backwards (a Merkle log's entries are in time order), so
 * after the system clock steps back they stay at the last time the log used. Every time the stack
 * writes into a signature must agree with them: the short-lived certificate's validity has to
 * contain both the log's integrated time and the TSA's time. So the CA, the service identity, the
 * TSA and the log all read this clock: the system time, or the last time the log used when that
 * is later. Until the system clock catches up, all of them stay at that time together.
 */
export class ServiceClock {
  private floorMs = 0;

  constructor(private readonly system: () => number = Date.now) {}

  /** Milliseconds since the epoch, never less than any earlier answer or `raiseTo` value. */
  nowMs(): number {
    const t = this.system();
    if (Number.isFinite(t) && t > this.floorMs) this.floorMs = t;
    return this.floorMs;
  }

  /** `nowMs` as a Date. */
  now(): Date {
    return new Date(this.nowMs());
  }

  /** Makes sure the clock never answers earlier than `ms` (the log's last integrated time). */
  raiseTo(ms: number): void {
    if (ms > this.floorMs) this.floorMs = ms;
  }
}
