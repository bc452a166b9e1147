/**
 * API keys in PostgreSQL: created and revoked by `certus-trust apikey … --database-url` (or any
 * replica), read by every replica. Only the salted hash of a key is stored, never the secret.
 *
 * Revocation bound: `lookup` answers from a per-process cache whose entries live
 * {@link API_KEY_CACHE_MS}; after that the row is read again. So a key revoked anywhere is
 * refused by every replica at most {@link API_KEY_CACHE_MS} after the revoking transaction
 * commits (plus one query's time). The cache also keeps a flood of unknown key ids from becoming
 * a flood of queries. When the database cannot be reached and the cached entry has expired,
 * `lookup` fails as `unavailable`: a key is never accepted on stale data past the bound.
 */
import { generateApiKey } from "../../auth/api-key-format.js";
import { parseScopes } from "../../auth/scopes.js";
import type { ApiKeyRecord, ApiKeyRecords } from "../state-store.js";
import { type Database, oneRow } from "./database.js";
import { SCHEMA } from "./migrations.js";

/** How long a looked-up key (or its absence) is trusted, ms: the revocation bound. */
export const API_KEY_CACHE_MS = 1000;
/** Cached lookups kept at most (the cache is cleared when it would grow past this). */
const CACHE_MAX = 10_000;
const COMPONENT = "api-key-store";

interface Row {
  id: string;
  name: string;
  scopes: string[];
  salt: string;
  hash: string;
  created_at: Date;
  revoked_at: Date | null;
}

function toRecord(r: Row): ApiKeyRecord {
  return {
    id: r.id,
    name: r.name,
    scopes: [...r.scopes],
    salt: r.salt,
    hash: r.hash,
    createdAt: r.created_at.toISOString(),
    ...(r.revoked_at ? { revokedAt: r.revoked_at.toISOString() } : {}),
  };
}

const SELECT = `SELECT id, name, scopes, salt, hash, created_at, revoked_at FROM ${SCHEMA}.api_keys`;

export class PostgresApiKeyRecords implements ApiKeyRecords {
  private readonly cache = new Map<string, { record: ApiKeyRecord | undefined; until: number }>();

  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  async create(name: string, scopes: readonly string[]): Promise<{ record: ApiKeyRecord; key: string }> {
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) throw new TypeError(`name "${name}": use 1-64 letters, digits and . _ @ -`);
    const parsed = parseScopes(scopes);
    if (parsed.length === 0) throw new TypeError("at least one scope is needed");
    const made = generateApiKey();
    const r = await this.db.query<Row>(
      COMPONENT,
      "cannot create the API key",
      `INSERT INTO ${SCHEMA}.api_keys (id, name, scopes, salt, hash, created_at) VALUES ($1, $2, $3, $4, $5, now())
       RETURNING id, name, scopes, salt, hash, created_at, revoked_at`,
      [made.id, name, parsed, made.salt, made.hash],
    );
    return { record: toRecord(oneRow(r.rows, "INSERT … RETURNING")), key: made.key };
  }

  async revoke(id: string): Promise<boolean> {
    // Keeps the first revocation time; true whenever the key exists.
    const r = await this.db.query<{ id: string }>(
      COMPONENT,
      "cannot revoke the API key",
      `UPDATE ${SCHEMA}.api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING id`,
      [id],
    );
    this.cache.delete(id);
    return r.rowCount === 1;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const r = await this.db.query<Row>(COMPONENT, "cannot list API keys", `${SELECT} ORDER BY created_at, id`);
    return r.rows.map(toRecord);
  }

  async lookup(id: string): Promise<ApiKeyRecord | undefined> {
    const now = this.now();
    const hit = this.cache.get(id);
    if (hit && hit.until > now) return hit.record && { ...hit.record, scopes: [...hit.record.scopes] };
    const r = await this.db.query<Row>(COMPONENT, "cannot look up the API key", `${SELECT} WHERE id = $1 AND revoked_at IS NULL`, [id]);
    const record = r.rows[0] ? toRecord(r.rows[0]) : undefined;
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(id, { record, until: now + API_KEY_CACHE_MS });
    return record && { ...record, scopes: [...record.scopes] };
  }
}
