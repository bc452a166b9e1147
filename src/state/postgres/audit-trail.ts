/**
 * The audit trail in PostgreSQL: one hash chain for the whole deployment, however many replicas
 * append to it (the chain rules are `../audit-chain.ts`, the same as the file trail's).
 *
 * Serialisation: an append locks the single chain-head row (`SELECT … FOR UPDATE`), reads the
 * newest seq and hash there, inserts its events after it and moves the head, all in one
 * transaction. A second replica's append waits on that row lock, then sees the new head, so `seq`
 * never has a gap or a duplicate and `prev` always names the true predecessor. A transaction that
 * fails is rolled back whole: no event and no head move, and the seq it would have used is taken
 * by the next append.
 *
 * Durability: `append` resolves after COMMIT (synchronous_commit, the server default: the WAL
 * is flushed), so an acknowledged decision survives a crash of this process or of the database.
 * Concurrent appends of one process are batched into one transaction (one commit, one round trip
 * for up to {@link MAX_BATCH} events); they are chained in call order.
 */
import type pg from "pg";
import type { Logger } from "../../logger.js";
import { ChainChecker, chainedEvent } from "../audit-chain.js";
import { auditLineWriter } from "../audit-line.js";
import type { AuditCheck, AuditEvent, AuditFilter, AuditInput, AuditTrail } from "../state-store.js";
import type { Database } from "./database.js";
import { SCHEMA } from "./migrations.js";

/** Most events written by one transaction. */
export const MAX_BATCH = 500;
/** Events read per query when verifying or listing. */
const PAGE = 2000;
const COMPONENT = "audit-log";

interface Pending {
  input: AuditInput;
  resolve: (e: AuditEvent) => void;
  reject: (e: unknown) => void;
}

export class PostgresAuditTrail implements AuditTrail {
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;

  /** The pino line of each event (`../audit-line.ts`). */
  private readonly logLine: (event: AuditEvent) => void;

  constructor(
    private readonly db: Database,
    log: Logger,
  ) {
    this.logLine = auditLineWriter(log);
  }

  append(input: AuditInput): Promise<AuditEvent> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.flushing) this.flushing = this.drain();
    });
  }

  /** Writes queued events batch by batch until the queue is empty. */
  private async drain(): Promise<void> {
    await new Promise((r) => setImmediate(r)); // let concurrent callers join the first batch
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        const events = await this.db.transaction(COMPONENT, "cannot write the audit trail", (client) =>
          appendBatch(
            client,
            batch.map((b) => b.input),
          ),
        );
        for (const [i, b] of batch.entries()) {
          const event = events[i];
          if (event === undefined) {
            b.reject(new Error("the audit batch returned fewer events than it was given"));
            continue;
          }
          this.logLine(event);
          b.resolve(event);
        }
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    this.flushing = undefined;
  }

  /** Resolves once every append queued so far has committed or failed (for a clean close). */
  async settled(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  async read(filter: AuditFilter = {}): Promise<AuditEvent[]> {
    const out: AuditEvent[] = [];
    let after = 0;
    for (;;) {
      const r = await this.db.query<{ seq: string; body: string }>(
        COMPONENT,
        "cannot read the audit trail",
        `SELECT seq, body FROM ${SCHEMA}.audit_events
          WHERE seq > $1 AND ($2::timestamptz IS NULL OR time >= $2) AND ($3::text IS NULL OR artifact_digest = $3 OR artifact_uri = $3)
          ORDER BY seq LIMIT ${PAGE}`,
        [after, filter.since?.toISOString() ?? null, filter.artifact ?? null],
      );
      for (const row of r.rows) {
        out.push(JSON.parse(row.body) as AuditEvent);
        after = Number(row.seq);
      }
      if (r.rows.length < PAGE) return out;
    }
  }

  /**
   * Re-verifies every event and the head, in one read-only snapshot (appends made meanwhile are
   * neither half-seen nor mistaken for a cut), page by page in constant memory.
   */
  async verifyChainHead(): Promise<AuditCheck> {
    return this.db.transaction(
      COMPONENT,
      "cannot read the audit trail",
      async (client) => {
        const checker = new ChainChecker();
        let after = 0;
        for (;;) {
          const r = await client.query<{ seq: string; body: string }>(
            `SELECT seq, body FROM ${SCHEMA}.audit_events WHERE seq > $1 ORDER BY seq LIMIT ${PAGE}`,
            [after],
          );
          for (const row of r.rows) {
            let e: AuditEvent;
            try {
              e = JSON.parse(row.body) as AuditEvent;
            } catch {
              return { ok: false, events: checker.count, problem: `row seq ${row.seq}: its body is not valid JSON (event after seq ${checker.last.seq})` };
            }
            if (String(e.seq) !== row.seq)
              return { ok: false, events: checker.count, problem: `row seq ${row.seq}: holds an event with seq ${e.seq}; it was altered` };
            const problem = checker.add(e, `row ${row.seq}`);
            if (problem) return { ok: false, events: checker.count, problem };
            after = Number(row.seq);
          }
          if (r.rows.length < PAGE) break;
        }
        const head = await client.query<{ seq: string; hash: string }>(`SELECT seq, hash FROM ${SCHEMA}.audit_head WHERE id = 1`);
        const h = head.rows[0];
        const last = checker.last;
        if (!h) return { ok: false, events: checker.count, problem: "the chain head row is missing; the table was altered" };
        // Head and events move in one transaction, so they always agree exactly.
        if (Number(h.seq) > last.seq)
          return {
            ok: false,
            events: checker.count,
            problem: `the trail ends at seq ${last.seq} but the chain head records seq ${h.seq}; events were cut off the end`,
          };
        if (Number(h.seq) < last.seq)
          return {
            ok: false,
            events: checker.count,
            problem: `the chain head records seq ${h.seq} but the trail goes on to seq ${last.seq}; events were added outside the service`,
          };
        if (h.hash !== last.hash)
          return { ok: false, events: checker.count, problem: `event seq ${last.seq} does not match the hash in the chain head; it was altered` };
        return { ok: true, events: checker.count };
      },
      "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    );
  }
}

/** In the caller's transaction: lock the head, chain `inputs` after it, insert them, move the head. */
export async function appendBatch(client: pg.PoolClient, inputs: readonly AuditInput[]): Promise<AuditEvent[]> {
  const head = await client.query<{ seq: string; hash: string }>(`SELECT seq, hash FROM ${SCHEMA}.audit_head WHERE id = 1 FOR UPDATE`);
  const h = head.rows[0];
  if (!h) throw new Error("the audit chain head row is missing (schema not migrated?)");
  let seq = Number(h.seq);
  let prev = h.hash;
  const events: AuditEvent[] = [];
  for (const input of inputs) {
    const e = chainedEvent(input, seq + 1, prev, new Date());
    events.push(e);
    seq = e.seq;
    prev = e.hash;
  }
  await insertEvents(client, events);
  await client.query(`UPDATE ${SCHEMA}.audit_head SET seq = $1, hash = $2 WHERE id = 1`, [seq, prev]);
  return events;
}

/** Inserts already-chained events (one statement; arrays as parameters). */
export async function insertEvents(client: pg.PoolClient, events: readonly AuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  await client.query(
    `INSERT INTO ${SCHEMA}.audit_events (seq, hash, prev, time, action, artifact_digest, artifact_uri, body)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[])`,
    [
      events.map((e) => e.seq),
      events.map((e) => e.hash),
      events.map((e) => e.prev),
      events.map((e) => e.time),
      events.map((e) => e.action),
      events.map((e) => e.artifact?.digest ?? null),
      events.map((e) => e.artifact?.uri ?? null),
      events.map((e) => JSON.stringify(e)),
    ],
  );
}
