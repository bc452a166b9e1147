/**
 * The PostgreSQL {@link StateStore}: the state of a deployment with several replicas, in one
 * database they share (`stateStore: postgres`, `--database-url`).
 *
 * Opening it connects, applies any pending schema migration (safe with replicas starting at once,
 * see `migrations.ts`) and starts the readiness probe. What each record set guarantees is written
 * on it: `audit-trail.ts` (one chain, appends serialised by a row lock), `permission-records.ts`
 * (callback claims), `api-key-records.ts` (revocation bound), `entry-index.ts`.
 *
 * The database down or read-only: every call fails as `UnavailableError` with a retry hint
 * (mutating RPCs answer `unavailable`; nothing is half-written because each write is one
 * transaction), /readyz names the database as not serving, and the next call after it is back
 * succeeds without a restart.
 */
import type { Logger } from "../../logger.js";
import type { StateStore, StoreComponentReadiness } from "../state-store.js";
import { PostgresApiKeyRecords } from "./api-key-records.js";
import { PostgresAuditTrail } from "./audit-trail.js";
import type { DatabaseOptions } from "./connection.js";
import { Database, type DatabaseReadiness } from "./database.js";
import { PostgresEntryIndex } from "./entry-index.js";
import { isTransientDatabaseError } from "./database-errors.js";
import { migrate, SchemaTooNewError, type MigrationReport } from "./migrations.js";
import { UnavailableError } from "../../errors.js";
import { PostgresPermissionRecords } from "./permission-records.js";

export interface PostgresStateStoreOptions extends DatabaseOptions {
  log: Logger;
  /** Apply pending migrations on open (default true; `false` only checks the database is reachable). */
  migrate?: boolean;
}

export class PostgresStateStore implements StateStore {
  readonly audit: PostgresAuditTrail;
  readonly permissions: PostgresPermissionRecords;
  readonly apiKeys: PostgresApiKeyRecords;
  readonly entryIndex: PostgresEntryIndex;

  private constructor(
    readonly db: Database,
    log: Logger,
    /** What the migration at open did (undefined when not asked to migrate). */
    readonly migration: MigrationReport | undefined,
  ) {
    this.audit = new PostgresAuditTrail(db, log);
    this.permissions = new PostgresPermissionRecords(db);
    this.apiKeys = new PostgresApiKeyRecords(db);
    this.entryIndex = new PostgresEntryIndex(db);
  }

  /** Connects and migrates; throws (a start-up failure) when the database cannot be used. */
  static async open(options: PostgresStateStoreOptions): Promise<PostgresStateStore> {
    const db = new Database(options, options.log);
    try {
      const report = options.migrate === false ? undefined : await migrate(db.pool);
      if (report && report.applied.length > 0)
        options.log.info({ database: db.where, from: report.from, to: report.to, applied: report.applied }, "state database migrated");
      await db.probe();
      db.startProbing();
      return new PostgresStateStore(db, options.log, report);
    } catch (err) {
      await db.close().catch(() => undefined);
      if (err instanceof SchemaTooNewError || !isTransientDatabaseError(err)) throw err;
      // Unreachable at start: say where (never the password) and why.
      throw new UnavailableError("database", `cannot open the state database ${db.where}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Whether the database serves (reachable and writable), for /readyz: component `database`. */
  readiness(): StoreComponentReadiness[] {
    return [{ component: "database", ...this.db.readiness() }];
  }

  onReadinessChange(listener: (r: DatabaseReadiness) => void): () => void {
    return this.db.onReadinessChange(listener);
  }

  async close(): Promise<void> {
    await this.audit.settled();
    await this.db.close();
  }
}
