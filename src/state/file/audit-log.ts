/**
 * The audit trail: every sign and verify decision is an event, written as one JSON line to
 * `<dataDir>/audit.log` (0600) and as a pino line. Events are hash-chained: each carries `seq`,
 * the hash of the previous event (`prev`) and its own `hash` = SHA-256 over its canonical JSON
 * without `hash`. Removing, reordering or editing an event breaks the chain at that event;
 * `audit.head` records the newest (seq, hash) so cutting events off the end is detected too.
 *
 * Durability: `record()` resolves once the event's batch is written and fsynced (one fsync per
 * batch of concurrent events, `fs/durable-append.ts`). Sign waits for it; Verify records without
 * waiting. `audit.head` is replaced after durable batches without holding up their callers
 * (coalesced, one write at a time, at most one every {@link HEAD_INTERVAL_MS}), so it lags the
 * trail by at most the batches written in that interval and while it was being replaced, and
 * never leads it; closing the trail brings it up to date.
 */
import { replaceFileAtomic } from "../../fs/atomic-file.js";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../../logger.js";
import { DurableAppendFile } from "../../fs/durable-append.js";
import { eventHash, GENESIS } from "../audit-chain.js";
import { auditLineWriter } from "../audit-line.js";
import type { AuditCheck, AuditEvent, AuditInput } from "../state-store.js";

export type { AuditAction, AuditCheck, AuditEvent, AuditInput } from "../state-store.js";

export const AUDIT_FILE = "audit.log";
/**
 * Least time between the starts of two head replacements, in ms. A replacement costs two fsyncs,
 * a new file and a rename; replaced after every batch (issue #20's bench: 500 Signs/s gave ~170
 * batches/s), they kept one fsync after another in the filesystem's journal, which every batch's
 * own fdatasync (the trail's and the log's WAL) then waited behind.
 */
export const HEAD_INTERVAL_MS = 250;
export const AUDIT_HEAD_FILE = "audit.head";
/** SHA-256 (hex) over the canonical JSON of an event without its `hash` (the rules: `../audit-chain.ts`). */
export { eventHash };

export class AuditLog {
  private readonly file: DurableAppendFile;
  private readonly headFile: string;
  /** The newest durable event the head does not record yet. */
  private headDue: { seq: number; hash: string } | undefined;
  /** The head write in flight (one at a time; the next one takes the newest due head). */
  private headWrite: Promise<void> | undefined;
  /** When the last head replacement started (performance.now()), for {@link HEAD_INTERVAL_MS}. */
  private lastHeadAt = Number.NEGATIVE_INFINITY;
  /** Ends the wait for the next head replacement at once (on close). */
  private wakeHead: (() => void) | undefined;
  private closing = false;
  private seq: number;
  private prev: string;
  /** The pino line of each event (`../audit-line.ts`). */
  private readonly logLine: (event: AuditEvent) => void;

  private constructor(
    dir: string,
    private readonly log: Logger,
    last: { seq: number; hash: string },
  ) {
    this.headFile = join(dir, AUDIT_HEAD_FILE);
    this.logLine = auditLineWriter(log);
    this.file = new DurableAppendFile(join(dir, AUDIT_FILE), {
      component: "audit-log",
      failure: "cannot write the audit trail",
      // The head follows each durable batch, so it may lag the trail, never lead it.
      afterBatch: (batch) => {
        const last = batch.at(-1);
        if (last !== undefined) this.advanceHead(JSON.parse(last) as AuditEvent);
        return Promise.resolve();
      },
    });
    this.seq = last.seq;
    this.prev = last.hash;
  }

  /** Opens the trail, continuing its chain from the last stored event. */
  static open(dataDir: string, log: Logger): AuditLog {
    const file = join(dataDir, AUDIT_FILE);
    let last = { seq: 0, hash: GENESIS };
    if (existsSync(file)) {
      const text = readFileSync(file, "utf8");
      const end = text.trimEnd().lastIndexOf("\n");
      const line = text.trimEnd().slice(end + 1);
      if (line) {
        try {
          const e = JSON.parse(line) as AuditEvent;
          last = { seq: e.seq, hash: e.hash };
        } catch {
          // A torn last line (crash mid-write) is left for `audit verify` to report; continue after it.
          log.warn({ auditFile: file }, "the last audit line is not valid JSON; `certus-trust audit verify` will report it");
        }
      }
    }
    return new AuditLog(dataDir, log, last);
  }

  /**
   * Records an event; resolves when it is durable (see `fs/durable-append.ts`: one fdatasync per
   * batch of concurrent events). The chain is extended at call time, so events are chained in
   * call order, which is also the order they reach the file.
   */
  async record(input: AuditInput): Promise<AuditEvent> {
    this.seq += 1;
    const base: Omit<AuditEvent, "hash"> = { seq: this.seq, time: new Date().toISOString(), prev: this.prev, ...stripUndefined(input) };
    const event: AuditEvent = { ...base, hash: eventHash(base) };
    this.prev = event.hash;
    this.logLine(event);
    await this.file.append(JSON.stringify(event));
    return event;
  }

  /**
   * Records `newest` (already durable) in the head file, off the callers' path: an atomic replace
   * costs two fsyncs and a rename, which every Sign used to wait for after its event's own
   * fdatasync. Writes are coalesced, one at a time, at most one every {@link HEAD_INTERVAL_MS},
   * always the newest durable event, so the head still never leads the trail; it may lag it by
   * the batches written meanwhile (as after a crash). A failed write is logged and retried with
   * the next batch.
   */
  private advanceHead(newest: AuditEvent): void {
    this.headDue = { seq: newest.seq, hash: newest.hash };
    this.headWrite ??= this.writeHeads();
  }

  private async writeHeads(): Promise<void> {
    try {
      while (this.headDue !== undefined) {
        const wait = this.lastHeadAt + HEAD_INTERVAL_MS - performance.now();
        if (wait > 0 && !this.closing) await this.headPause(wait);
        const head = this.headDue;
        this.headDue = undefined;
        this.lastHeadAt = performance.now();
        try {
          await replaceFileAtomic(this.headFile, JSON.stringify(head) + "\n");
        } catch (err) {
          this.log.warn({ err, auditHead: this.headFile }, "cannot update the audit head; retrying with the next event");
          return;
        }
      }
    } finally {
      this.headWrite = undefined;
    }
  }

  /** Waits `ms` (events arriving meanwhile are coalesced into the next head), or until close. */
  private headPause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.wakeHead?.(), ms);
      // A pending head does not keep the process alive: after an exit it lags, as after a crash.
      timer.unref();
      this.wakeHead = () => {
        clearTimeout(timer);
        this.wakeHead = undefined;
        resolve();
      };
    });
  }

  /** Waits for queued events to be durable and the head to record the newest, then closes the file. */
  async close(): Promise<void> {
    this.closing = true;
    this.wakeHead?.();
    await this.file.close();
    while (this.headWrite !== undefined) await this.headWrite;
  }
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Re-verifies the whole chain of `<dataDir>/audit.log` and its head record. */
export function verifyAuditTrail(dataDir: string): AuditCheck {
  const file = join(dataDir, AUDIT_FILE);
  if (!existsSync(file)) return { ok: true, events: 0 };
  const lines = readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.length > 0);
  let prev = GENESIS;
  let seq = 0;
  const hashes: string[] = [GENESIS];
  for (const [i, line] of lines.entries()) {
    let e: AuditEvent;
    try {
      e = JSON.parse(line) as AuditEvent;
    } catch {
      return { ok: false, events: i, problem: `line ${i + 1}: not valid JSON (event after seq ${seq})` };
    }
    if (e.seq !== seq + 1)
      return { ok: false, events: i, problem: `event seq ${e.seq} (line ${i + 1}): expected seq ${seq + 1}; an event was removed or reordered` };
    if (e.prev !== prev)
      return {
        ok: false,
        events: i,
        problem: `event seq ${e.seq} (line ${i + 1}): its prev hash does not match event ${seq}; an event before it was altered or removed`,
      };
    const { hash, ...rest } = e;
    if (eventHash(rest) !== hash)
      return { ok: false, events: i, problem: `event seq ${e.seq} (line ${i + 1}): its content does not match its hash; it was altered` };
    prev = hash;
    seq = e.seq;
    hashes.push(hash);
  }
  const headFile = join(dataDir, AUDIT_HEAD_FILE);
  if (existsSync(headFile)) {
    const head = JSON.parse(readFileSync(headFile, "utf8")) as { seq: number; hash: string };
    // The head is written after each batch is fsynced, so it may lag the trail after a crash,
    // never lead it.
    if (head.seq > seq) {
      return {
        ok: false,
        events: lines.length,
        problem: `the trail ends at seq ${seq} but ${AUDIT_HEAD_FILE} records seq ${head.seq}; events were cut off the end`,
      };
    }
    if (hashes[head.seq] !== head.hash) {
      return { ok: false, events: lines.length, problem: `event seq ${head.seq} does not match the hash in ${AUDIT_HEAD_FILE}; it was altered` };
    }
  }
  return { ok: true, events: lines.length };
}

/** Reads events, optionally filtered (for `audit list`). */
export function readAuditEvents(dataDir: string, filter: { since?: Date; artifact?: string } = {}): AuditEvent[] {
  const file = join(dataDir, AUDIT_FILE);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as AuditEvent];
      } catch {
        return [];
      }
    })
    .filter(
      (e) =>
        (!filter.since || new Date(e.time) >= filter.since) &&
        (!filter.artifact || e.artifact?.digest === filter.artifact || e.artifact?.uri === filter.artifact),
    );
}
