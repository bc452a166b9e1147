/**
 * Upload permissions in PostgreSQL, shared by every replica: a permission recorded through one is
 * returned by all of them.
 *
 * - A decision is one row, written once (`record` is idempotent by id: a retry after a lost
 *   COMMIT reply changes nothing) and never rewritten; the Transform callback's state lives in
 *   columns beside it (`updateCallback`, the last one wins).
 * - The callback claim is a lease in the row (`claimed_by`, `claim_expires`, in the database's
 *   clock so replicas with skewed clocks agree): `claimCallback` is one conditional UPDATE, so of
 *   two replicas claiming at once exactly one gets the row; the other sees a live claim and does
 *   not deliver. A holder that dies loses the claim when its lease ends. A state other than
 *   `pending` ends the claim.
 */
import type { PermissionRecords, CallbackState, StoredPermission } from "../state-store.js";
import { type Database, oneRow } from "./database.js";
import { SCHEMA } from "./migrations.js";

const COMPONENT = "permission-store";

interface Row {
  record: string;
  callback: CallbackState;
  callback_attempts: number;
}

const COLUMNS = "record, callback, callback_attempts";

function toPermission(row: Row): StoredPermission {
  const p = JSON.parse(row.record) as StoredPermission;
  return { ...p, callback: row.callback, callbackAttempts: row.callback_attempts };
}

/** The 64-hex UUID of a log entry (an 80-hex Rekor UUID carries a tree-ID prefix). */
function entryUuid(uuid: string): string {
  return uuid.slice(-64).toLowerCase();
}

export class PostgresPermissionRecords implements PermissionRecords {
  constructor(private readonly db: Database) {}

  async record(p: StoredPermission): Promise<void> {
    const { callback, callbackAttempts, ...decision } = p;
    await this.db.query(
      COMPONENT,
      "cannot record the upload permission",
      `INSERT INTO ${SCHEMA}.upload_permissions (id, scan_id, outer_uuid, permitted, record, callback, callback_attempts, callback_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now())
       ON CONFLICT (id) DO NOTHING`,
      [p.id, p.scanId, p.outer ? entryUuid(p.outer.entry.uuid) : null, p.permitted, JSON.stringify(decision), callback, callbackAttempts],
    );
  }

  async get(id: string): Promise<StoredPermission | undefined> {
    const r = await this.db.query<Row>(COMPONENT, "cannot read upload permissions", `SELECT ${COLUMNS} FROM ${SCHEMA}.upload_permissions WHERE id = $1`, [id]);
    return r.rows[0] ? toPermission(r.rows[0]) : undefined;
  }

  async forScan(scanId: string): Promise<StoredPermission[]> {
    const r = await this.db.query<Row>(
      COMPONENT,
      "cannot read upload permissions",
      `SELECT ${COLUMNS} FROM ${SCHEMA}.upload_permissions WHERE scan_id = $1 ORDER BY ordinal`,
      [scanId],
    );
    return r.rows.map(toPermission);
  }

  async byOuterEntry(uuid: string): Promise<StoredPermission | undefined> {
    const r = await this.db.query<Row>(
      COMPONENT,
      "cannot read upload permissions",
      `SELECT ${COLUMNS} FROM ${SCHEMA}.upload_permissions WHERE outer_uuid = $1`,
      [entryUuid(uuid)],
    );
    return r.rows[0] ? toPermission(r.rows[0]) : undefined;
  }

  async counts(): Promise<{ total: number; permitted: number }> {
    const r = await this.db.query<{ total: string; permitted: string }>(
      COMPONENT,
      "cannot read upload permissions",
      `SELECT count(*) AS total, count(*) FILTER (WHERE permitted) AS permitted FROM ${SCHEMA}.upload_permissions`,
    );
    const row = oneRow(r.rows, "SELECT count(*)");
    return { total: Number(row.total), permitted: Number(row.permitted) };
  }

  async pendingCallbacks(): Promise<StoredPermission[]> {
    const r = await this.db.query<Row>(
      COMPONENT,
      "cannot read upload permissions",
      `SELECT ${COLUMNS} FROM ${SCHEMA}.upload_permissions WHERE callback = 'pending' ORDER BY ordinal`,
    );
    return r.rows.map(toPermission);
  }

  async claimCallback(id: string, claimant: string, leaseMs: number): Promise<boolean> {
    const r = await this.db.query(
      COMPONENT,
      "cannot claim the transform callback",
      `UPDATE ${SCHEMA}.upload_permissions
          SET claimed_by = $2, claim_expires = now() + make_interval(secs => $3::double precision / 1000)
        WHERE id = $1 AND callback = 'pending'
          AND (claimed_by IS NULL OR claimed_by = $2 OR claim_expires <= now())`,
      [id, claimant, leaseMs],
    );
    return r.rowCount === 1;
  }

  async updateCallback(id: string, state: CallbackState, attempts: number, detail?: string): Promise<void> {
    await this.db.query(
      COMPONENT,
      "cannot record the transform callback state",
      `UPDATE ${SCHEMA}.upload_permissions
          SET callback = $2, callback_attempts = $3, callback_detail = $4, callback_at = now(),
              claimed_by = CASE WHEN $2 = 'pending' THEN claimed_by END,
              claim_expires = CASE WHEN $2 = 'pending' THEN claim_expires END
        WHERE id = $1`,
      [id, state, attempts, detail ?? null],
    );
  }
}
