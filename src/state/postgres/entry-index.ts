/**
 * The entry index in PostgreSQL: the log index of every entry the deployment wrote, by artifact
 * digest and by signer subject, so search works on every replica (Rekor v2 has no search of its
 * own). One row per log index; recording an entry again is a no-op.
 */
import type { EntryIndex, IndexQuery, IndexedEntry } from "../state-store.js";
import type { Database } from "./database.js";
import { SCHEMA } from "./migrations.js";

const COMPONENT = "entry-index";

export class PostgresEntryIndex implements EntryIndex {
  constructor(private readonly db: Database) {}

  async record(entry: IndexedEntry): Promise<void> {
    if (!Number.isSafeInteger(entry.logIndex) || entry.logIndex < 0) throw new TypeError(`logIndex ${entry.logIndex} is not a log index`);
    await this.db.query(
      COMPONENT,
      "cannot record the entry in the index",
      `INSERT INTO ${SCHEMA}.entry_index (log_index, artifact_digest, signer_subject) VALUES ($1, $2, $3) ON CONFLICT (log_index) DO NOTHING`,
      [entry.logIndex, entry.artifactDigest ?? null, entry.signerSubject ?? null],
    );
  }

  async find(query: IndexQuery, page: { pageSize: number; afterIndex?: number }): Promise<{ logIndexes: number[]; nextAfterIndex: number | undefined }> {
    const [column, value] =
      "artifactDigest" in query ? (["artifact_digest", query.artifactDigest] as const) : (["signer_subject", query.signerSubject] as const);
    const size = Math.max(1, Math.floor(page.pageSize));
    // One row beyond the page tells whether there is a next one.
    const r = await this.db.query<{ log_index: string }>(
      COMPONENT,
      "cannot search the entry index",
      `SELECT log_index FROM ${SCHEMA}.entry_index WHERE ${column} = $1 AND log_index > $2 ORDER BY log_index LIMIT $3`,
      [value, page.afterIndex ?? -1, size + 1],
    );
    const all = r.rows.map((row) => Number(row.log_index));
    const logIndexes = all.slice(0, size);
    return { logIndexes, nextAfterIndex: all.length > size ? logIndexes[logIndexes.length - 1] : undefined };
  }
}
