/**
 * The PostgreSQL schema, as numbered migrations applied in order, each once, each in its own
 * transaction together with the row that records it (`certus_trust.schema_migrations`).
 *
 * Safe when several replicas start at once: `migrate` holds a session advisory lock
 * ({@link MIGRATION_LOCK_KEY}) while it reads what is applied and applies the rest, so the second
 * replica waits, then finds nothing left to do. A database whose schema is newer than this build
 * (a newer version ran, then an older one was rolled back) is refused rather than written to.
 *
 * Rules for adding one: append a new entry with the next version; never edit or reorder a
 * released one (a deployed database has already run it).
 */
import type pg from "pg";

/** The schema every table lives in (`pg_dump -n certus_trust` backs up exactly the service's state). */
export const SCHEMA = "certus_trust";

/** Arbitrary, fixed: the advisory lock key serialising migrations across replicas ("certus-m"). */
export const MIGRATION_LOCK_KEY = 0x63657274_75732d6dn;

/** One schema change. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "audit trail, upload permissions, API keys, entry index",
    sql: `
      -- The audit trail: one hash chain for the deployment. body is the event's JSON exactly as
      -- hashed (with its hash), so the chain verifies from this table alone.
      CREATE TABLE ${SCHEMA}.audit_events (
        seq bigint PRIMARY KEY CHECK (seq > 0),
        hash char(64) NOT NULL UNIQUE,
        prev char(64) NOT NULL,
        time timestamptz NOT NULL,
        action text NOT NULL,
        artifact_digest text,
        artifact_uri text,
        body text NOT NULL
      );
      CREATE INDEX audit_events_time ON ${SCHEMA}.audit_events (time);
      CREATE INDEX audit_events_artifact_digest ON ${SCHEMA}.audit_events (artifact_digest) WHERE artifact_digest IS NOT NULL;
      -- The chain head: one row, locked by every append (FOR UPDATE), which is what serialises
      -- appends from all replicas; it also detects events cut off the end of the table.
      CREATE TABLE ${SCHEMA}.audit_head (
        id smallint PRIMARY KEY CHECK (id = 1),
        seq bigint NOT NULL,
        hash char(64) NOT NULL
      );
      INSERT INTO ${SCHEMA}.audit_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));

      CREATE TABLE ${SCHEMA}.upload_permissions (
        id text PRIMARY KEY,
        ordinal bigserial NOT NULL,
        scan_id text NOT NULL,
        outer_uuid char(64) UNIQUE,
        permitted boolean NOT NULL,
        record text NOT NULL,
        callback text NOT NULL CHECK (callback IN ('off', 'pending', 'delivered', 'failed')),
        callback_attempts integer NOT NULL DEFAULT 0,
        callback_detail text,
        callback_at timestamptz,
        claimed_by text,
        claim_expires timestamptz
      );
      CREATE INDEX upload_permissions_scan ON ${SCHEMA}.upload_permissions (scan_id, ordinal);
      CREATE INDEX upload_permissions_pending ON ${SCHEMA}.upload_permissions (ordinal) WHERE callback = 'pending';

      CREATE TABLE ${SCHEMA}.api_keys (
        id text PRIMARY KEY,
        name text NOT NULL,
        scopes text[] NOT NULL,
        salt text NOT NULL,
        hash text NOT NULL,
        created_at timestamptz NOT NULL,
        revoked_at timestamptz
      );

      CREATE TABLE ${SCHEMA}.entry_index (
        log_index bigint PRIMARY KEY CHECK (log_index >= 0),
        artifact_digest text,
        signer_subject text
      );
      CREATE INDEX entry_index_digest ON ${SCHEMA}.entry_index (artifact_digest, log_index) WHERE artifact_digest IS NOT NULL;
      CREATE INDEX entry_index_signer ON ${SCHEMA}.entry_index (signer_subject, log_index) WHERE signer_subject IS NOT NULL;
    `,
  },
];

/** The newest schema version this build knows. */
export const LATEST_VERSION = latestVersion();

function latestVersion(): number {
  const last = MIGRATIONS.at(-1);
  if (last === undefined) throw new Error("no schema migrations are defined");
  return last.version;
}

/** The database's schema is newer than this build: refusing to run against it. */
export class SchemaTooNewError extends Error {
  constructor(
    readonly found: number,
    readonly supported: number,
  ) {
    super(`the database schema is at version ${found}, newer than this build supports (${supported}); run a newer certus-trust`);
    this.name = "SchemaTooNewError";
  }
}

/** What `migrate` did. */
export interface MigrationReport {
  /** Version before. */
  from: number;
  /** Version after. */
  to: number;
  applied: Array<{ version: number; name: string }>;
}

/** Applies every migration not yet applied, under the advisory lock (waits for another replica doing the same). */
export async function migrate(pool: pg.Pool): Promise<MigrationReport> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY.toString()]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${SCHEMA}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const from = await currentVersion(client);
      if (from > LATEST_VERSION) throw new SchemaTooNewError(from, LATEST_VERSION);
      const applied: MigrationReport["applied"] = [];
      for (const m of MIGRATIONS) {
        if (m.version <= from) continue;
        await client.query("BEGIN");
        try {
          await client.query(m.sql);
          await client.query(`INSERT INTO ${SCHEMA}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw err;
        }
        applied.push({ version: m.version, name: m.name });
      }
      return { from, to: Math.max(from, LATEST_VERSION), applied };
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY.toString()]).catch(() => {
        broken = true;
      });
    }
  } catch (err) {
    broken = true;
    throw err;
  } finally {
    // A connection whose unlock may not have run is closed, which releases the session lock.
    client.release(broken);
  }
}

/** The applied schema version (0 for an empty database). */
export async function schemaVersion(pool: pg.Pool): Promise<number> {
  const client = await pool.connect();
  try {
    const exists = await client.query(`SELECT to_regclass('${SCHEMA}.schema_migrations') IS NOT NULL AS present`);
    if (!(exists.rows[0] as { present: boolean }).present) return 0;
    return await currentVersion(client);
  } finally {
    client.release();
  }
}

async function currentVersion(client: pg.PoolClient): Promise<number> {
  const r = await client.query(`SELECT coalesce(max(version), 0)::integer AS v FROM ${SCHEMA}.schema_migrations`);
  return (r.rows[0] as { v: number }).v;
}
