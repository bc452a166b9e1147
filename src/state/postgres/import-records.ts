/**
 * Moves existing state (read from a data directory by the caller, `certus-trust db
 * migrate-from-files`) into the PostgreSQL state store, keeping the audit chain verifiable end to
 * end: the events are copied as they are (same seq, time, prev, hash), so the chain in the
 * database is the file chain, and appends made afterwards continue it.
 *
 * All or nothing: one transaction holding the chain-head lock, so no replica appends meanwhile
 * and a failure leaves the database as it was. Re-running is safe: events already in the
 * database are skipped when they are the same events (a database chain that is a prefix of the
 * file chain continues from where it stopped); a database chain that differs is refused, since two
 * chains cannot be joined. Permissions and keys already present (same id) are left as they are.
 */
import { ChainChecker } from "../audit-chain.js";
import type { ApiKeyRecord, AuditEvent, StoredPermission } from "../state-store.js";
import { insertEvents } from "./audit-trail.js";
import { type Database, oneRow } from "./database.js";
import { SCHEMA } from "./migrations.js";

/** What is moved. */
export interface ImportedState {
  /** The whole file trail, in order (checked here again before anything is written). */
  auditEvents: readonly AuditEvent[];
  permissions: readonly StoredPermission[];
  apiKeys: readonly ApiKeyRecord[];
}

/** What the import did. */
export interface ImportReport {
  auditEvents: { imported: number; alreadyPresent: number };
  permissions: { imported: number; alreadyPresent: number };
  apiKeys: { imported: number; alreadyPresent: number };
}

/** The trail cannot be moved (broken, or another chain is already in the database). */
export class ImportRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImportRefusedError";
  }
}

const BATCH = 500;

export async function importRecords(db: Database, state: ImportedState): Promise<ImportReport> {
  const checker = new ChainChecker();
  for (const e of state.auditEvents) {
    const problem = checker.add(e, "file trail");
    if (problem) throw new ImportRefusedError(`the file audit trail does not verify, so it is not moved: ${problem}`);
  }
  return db.transaction("state-import", "cannot import into the database", async (client) => {
    const head = await client.query<{ seq: string; hash: string }>(`SELECT seq, hash FROM ${SCHEMA}.audit_head WHERE id = 1 FOR UPDATE`);
    const headRow = oneRow(head.rows, "the audit head");
    const present = Number(headRow.seq);
    if (present > 0) {
      const same = state.auditEvents[present - 1];
      if (!same || same.hash !== headRow.hash) {
        throw new ImportRefusedError(
          `the database already holds an audit chain of ${present} events that is not the beginning of this data directory's trail (${state.auditEvents.length} events); two chains cannot be joined: import into an empty database`,
        );
      }
    }
    const rest = state.auditEvents.slice(present);
    for (let i = 0; i < rest.length; i += BATCH) await insertEvents(client, rest.slice(i, i + BATCH));
    const last = rest.at(-1);
    if (last !== undefined) {
      await client.query(`UPDATE ${SCHEMA}.audit_head SET seq = $1, hash = $2 WHERE id = 1`, [last.seq, last.hash]);
    }

    let permissionsImported = 0;
    for (const p of state.permissions) {
      const { callback, callbackAttempts, ...decision } = p;
      const r = await client.query(
        `INSERT INTO ${SCHEMA}.upload_permissions (id, scan_id, outer_uuid, permitted, record, callback, callback_attempts, callback_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now()) ON CONFLICT (id) DO NOTHING`,
        [p.id, p.scanId, p.outer ? p.outer.entry.uuid.slice(-64).toLowerCase() : null, p.permitted, JSON.stringify(decision), callback, callbackAttempts],
      );
      permissionsImported += r.rowCount ?? 0;
    }

    let keysImported = 0;
    for (const k of state.apiKeys) {
      const r = await client.query(
        `INSERT INTO ${SCHEMA}.api_keys (id, name, scopes, salt, hash, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
        [k.id, k.name, k.scopes, k.salt, k.hash, k.createdAt, k.revokedAt ?? null],
      );
      keysImported += r.rowCount ?? 0;
    }
    return {
      auditEvents: { imported: rest.length, alreadyPresent: present },
      permissions: { imported: permissionsImported, alreadyPresent: state.permissions.length - permissionsImported },
      apiKeys: { imported: keysImported, alreadyPresent: state.apiKeys.length - keysImported },
    };
  });
}
