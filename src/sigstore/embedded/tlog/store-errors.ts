/**
 * Turns SQLite failures into domain errors.
 *
 * A full disk, a read-only file, a lock held by another process or an I/O error is the log being
 * unavailable for now — the caller may retry — not a bug, so those become `UnavailableError`.
 * Anything else SQLite reports (a constraint, corruption, a bad statement) means the store or the
 * code is wrong; that becomes an `INTERNAL` error, with the cause kept for the server log.
 */
import { TrustError, UnavailableError } from "../../../errors.js";

/** Component name used in every error the log reports, for callers and health checks. */
export const LOG_COMPONENT = "transparency-log";

/** SQLite's "database or disk is full" (also a database at its `max_page_count` quota). */
export const SQLITE_FULL = 13;

/** SQLite primary result codes (https://sqlite.org/rescode.html) that mean "try again later". */
const TRANSIENT_CODES: ReadonlyMap<number, string> = new Map([
  [5, "database is busy (locked by another writer)"], // SQLITE_BUSY
  [6, "database table is locked"], // SQLITE_LOCKED
  [7, "out of memory"], // SQLITE_NOMEM
  [8, "database is read-only"], // SQLITE_READONLY
  [10, "disk I/O error"], // SQLITE_IOERR
  [13, "disk or quota is full"], // SQLITE_FULL
  [14, "cannot open database file"], // SQLITE_CANTOPEN
  [15, "database lock protocol error"], // SQLITE_PROTOCOL
]);

/** How long a caller should wait before retrying a transient store failure, in milliseconds. */
export const STORE_RETRY_AFTER_MS = 1000;

/** The SQLite result code of an error thrown by node:sqlite, if it is one. */
export function sqliteResultCode(err: unknown): number | undefined {
  if (typeof err === "object" && err !== null && "errcode" in err) {
    const code = err.errcode;
    // Extended result codes carry the primary code in their low byte.
    if (typeof code === "number") return code & 0xff;
  }
  return undefined;
}

/** Maps an error thrown while `action` (e.g. "commit batch") ran into a domain error. */
export function toStoreError(err: unknown, action: string): TrustError {
  if (err instanceof TrustError) return err;
  const code = sqliteResultCode(err);
  const transient = code === undefined ? undefined : TRANSIENT_CODES.get(code);
  if (transient !== undefined) {
    return new UnavailableError(LOG_COMPONENT, `${action} failed: ${transient}`, {
      cause: err,
      retryAfterMs: STORE_RETRY_AFTER_MS,
    });
  }
  return new TrustError("INTERNAL", `${LOG_COMPONENT}: ${action} failed`, { cause: err });
}
