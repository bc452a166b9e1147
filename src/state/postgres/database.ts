/**
 * One connection pool to the state database, shared by the record sets of the PostgreSQL state
 * store, with what they all need: parameterised queries, transactions that either commit whole or
 * roll back, the mapping of outages to `UnavailableError` (`database-errors.ts`), and the
 * database's readiness for /readyz.
 *
 * Readiness: every call that reaches the database reports success or an outage; while the
 * database is down a probe (`SELECT 1` and whether the session is read-only) runs every
 * {@link PROBE_INTERVAL_MS}, so /readyz turns ready again without traffic. The pool opens new
 * connections on demand, so recovery needs no restart: the first call after the database is back
 * succeeds.
 */
import { EventEmitter } from "node:events";
import pg from "pg";
import type { Logger } from "../../logger.js";
import { poolConfig, redactedDatabaseUrl, type DatabaseOptions } from "./connection.js";
import { asUnavailable, isReadOnlyError, isTransientDatabaseError } from "./database-errors.js";

/** The one row a statement always returns (`RETURNING`, an aggregate, the head row); throws if it is missing. */
export function oneRow<R>(rows: readonly R[], what: string): R {
  const row = rows[0];
  if (row === undefined) throw new Error(`${what}: the database returned no row`);
  return row;
}

/** How often the database is probed, ms (while it is down; every 3rd interval while up). */
export const PROBE_INTERVAL_MS = 2000;

/** The database's state, for /readyz. */
export interface DatabaseReadiness {
  ready: boolean;
  /** What is wrong, or where the database is (never a credential). */
  detail: string;
}

export class Database {
  readonly pool: pg.Pool;
  /** Where the database is, for messages (no password). */
  readonly where: string;
  private state: DatabaseReadiness;
  private readonly events = new EventEmitter();
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;
  private closed = false;
  private ticks = 0;

  constructor(
    options: DatabaseOptions,
    private readonly log: Logger,
  ) {
    this.pool = new pg.Pool(poolConfig(options));
    this.where = redactedDatabaseUrl(options.url);
    this.state = { ready: false, detail: `${this.where}: not yet connected` };
    // An idle connection the server drops (restart, failover) errors here; without a listener
    // the process would crash. The pool discards it and opens a new one when next needed.
    this.pool.on("error", (err) => {
      this.log.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, "state database connection lost");
      this.down(err);
    });
  }

  /** Starts the background probe. */
  startProbing(): void {
    if (this.probeTimer || this.closed) return;
    this.probeTimer = setInterval(() => {
      this.ticks += 1;
      if (!this.state.ready || this.ticks % 3 === 0) void this.probe();
    }, PROBE_INTERVAL_MS);
    this.probeTimer.unref();
  }

  /** Checks the database now: reachable and writable. */
  async probe(): Promise<DatabaseReadiness> {
    if (this.probing) return this.state;
    this.probing = true;
    try {
      const r = await this.pool.query<{ ro: string }>("SELECT current_setting('transaction_read_only') AS ro");
      if (r.rows[0]?.ro === "on") this.set({ ready: false, detail: `${this.where}: the database is read-only` });
      else this.up();
    } catch (err) {
      this.down(err);
    } finally {
      this.probing = false;
    }
    return this.state;
  }

  readiness(): DatabaseReadiness {
    return { ...this.state };
  }

  /** Calls `listener` when readiness changes; returns the function that stops it. */
  onReadinessChange(listener: (r: DatabaseReadiness) => void): () => void {
    this.events.on("change", listener);
    return () => this.events.off("change", listener);
  }

  private set(next: DatabaseReadiness): void {
    const changed = next.ready !== this.state.ready || next.detail !== this.state.detail;
    this.state = next;
    if (changed) {
      if (next.ready) this.log.info({ database: this.where }, "state database reachable");
      else this.log.warn({ database: this.where, detail: next.detail }, "state database not ready");
      this.events.emit("change", { ...next });
    }
  }

  private up(): void {
    if (!this.state.ready) this.set({ ready: true, detail: `${this.where}: connected` });
  }

  private down(err: unknown): void {
    const why = isReadOnlyError(err) ? "the database is read-only" : `cannot reach the database (${messageOf(err)})`;
    this.set({ ready: false, detail: `${this.where}: ${why}` });
  }

  /** Notes the outcome of a call (an outage marks the database not ready; success marks it ready). */
  private observe(err: unknown): void {
    if (err === undefined) this.up();
    else if (isTransientDatabaseError(err)) this.down(err);
  }

  /** One parameterised statement; outages become `UnavailableError(component)`. */
  async query<R extends pg.QueryResultRow>(component: string, what: string, text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      const r = await this.pool.query<R>(text, values);
      this.observe(undefined);
      return r;
    } catch (err) {
      this.observe(err);
      throw asUnavailable(component, what, err);
    }
  }

  /**
   * Runs `fn` in one transaction (`begin` names the isolation, default READ COMMITTED): committed
   * when it resolves, rolled back when it throws or the connection fails, so a caller never leaves
   * part of a change behind. A connection that failed is discarded, not returned to the pool.
   */
  async transaction<T>(component: string, what: string, fn: (client: pg.PoolClient) => Promise<T>, begin = "BEGIN"): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      this.observe(err);
      throw asUnavailable(component, what, err);
    }
    // A connection dropped while checked out emits "error" on the client; handled by the query that fails.
    const onError = () => {};
    client.on("error", onError);
    let broken = false;
    try {
      await client.query(begin);
      const out = await fn(client);
      await client.query("COMMIT");
      this.observe(undefined);
      return out;
    } catch (err) {
      broken = isTransientDatabaseError(err);
      await client.query("ROLLBACK").catch(() => {
        broken = true;
      });
      this.observe(err);
      throw asUnavailable(component, what, err);
    } finally {
      client.off("error", onError);
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.probeTimer) clearInterval(this.probeTimer);
    await this.pool.end();
  }
}

/** An error's message, or "error" when it has none. */
function messageOf(err: unknown): string {
  const message = typeof err === "object" && err !== null && "message" in err ? err.message : undefined;
  return typeof message === "string" ? message : "error";
}
