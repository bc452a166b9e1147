/**
 * The audit chain's rules, shared by every state-store adapter so a trail means the same thing
 * wherever it is kept (and a file trail copied into PostgreSQL still verifies):
 *
 * - an event is `{ seq, time, prev, ...input }` (undefined fields dropped), `seq` counting from 1
 *   with no gap, `prev` the hash of event `seq - 1` ({@link GENESIS} for the first);
 * - its `hash` is SHA-256 (hex) over the RFC 8785-style canonical JSON of the event without `hash`;
 * - the head record (`seq`, `hash` of the newest event) detects events cut off the end.
 */
import { createHash } from "node:crypto";
import { json } from "@sigstore/core";
import type { AuditEvent, AuditInput } from "./state-store.js";

/** `prev` of the first event. */
export const GENESIS = "0".repeat(64);

/** SHA-256 (hex) over the canonical JSON of an event without its `hash`. */
export function eventHash(event: Omit<AuditEvent, "hash">): string {
  return createHash("sha256").update(json.canonicalize(event)).digest("hex");
}

/** The event that follows (`seq`, `prev`) with `input`, stamped `time`, hashed. */
export function chainedEvent(input: AuditInput, seq: number, prev: string, time: Date): AuditEvent {
  const base: Omit<AuditEvent, "hash"> = { seq, time: time.toISOString(), prev, ...stripUndefined(input) };
  return { ...base, hash: eventHash(base) };
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Checks a trail event by event, in order (so a trail of any length is checked in constant
 * memory). `add` returns the first problem, naming the event and `where` it was read from.
 */
export class ChainChecker {
  private seq = 0;
  private prev = GENESIS;
  /** Events accepted so far. */
  count = 0;

  add(event: AuditEvent, where: string): string | undefined {
    if (event.seq !== this.seq + 1) return `event seq ${event.seq} (${where}): expected seq ${this.seq + 1}; an event was removed or reordered`;
    if (event.prev !== this.prev)
      return `event seq ${event.seq} (${where}): its prev hash does not match event ${this.seq}; an event before it was altered or removed`;
    const { hash, ...rest } = event;
    if (eventHash(rest) !== hash) return `event seq ${event.seq} (${where}): its content does not match its hash; it was altered`;
    this.prev = hash;
    this.seq = event.seq;
    this.count += 1;
    return undefined;
  }

  /** The newest accepted event's seq and hash (0 and {@link GENESIS} for an empty trail). */
  get last(): { seq: number; hash: string } {
    return { seq: this.seq, hash: this.prev };
  }
}
