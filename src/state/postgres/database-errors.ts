/**
 * What a failed database call means for the caller, decided in one place for every PostgreSQL
 * record set: the database being unreachable, restarting, read-only (a standby after failover, or
 * `default_transaction_read_only`), out of resources, or a transaction that lost a race is
 * `UnavailableError` with a retry hint — the caller may try again, and the transaction that
 * failed was rolled back, so nothing was half-written. Anything else (a bug: a bad statement, a
 * violated constraint) is rethrown as it is and ends as `internal`.
 */
import { UnavailableError } from "../../errors.js";

/** How long a caller is told to wait before retrying, ms. */
export const DATABASE_RETRY_AFTER_MS = 2000;

/** SQLSTATE classes and codes that mean "not now" rather than "wrong". */
const TRANSIENT_CLASSES = new Set(["08", "40", "53", "55", "57", "58"]);
const TRANSIENT_CODES = new Set(["25006" /* read_only_sql_transaction */, "25P04" /* transaction timeout */]);

/** Node.js network errors (the server is not there, or the connection dropped). */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "ECONNABORTED"]);

/** True when `err` says the database cannot serve now (as opposed to a mistake in the call). */
export function isTransientDatabaseError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") {
    if (NETWORK_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code)) return TRANSIENT_CLASSES.has(code.slice(0, 2)) || TRANSIENT_CODES.has(code);
  }
  // pg's own client-side failures carry no code, only these messages.
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connection timeout|Client has encountered a connection error|Connection ended|the database system is (starting up|shutting down)|terminating connection/i.test(
    err.message,
  );
}

/** Whether the database said it is read-only (for the message and /readyz). */
export function isReadOnlyError(err: unknown): boolean {
  return err instanceof Error && (err as { code?: unknown }).code === "25006";
}

/**
 * Runs a database call for `component`, turning "not now" failures into `UnavailableError`
 * (the message names the condition, never the URL or a credential).
 */
export async function databaseCall<T>(component: string, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw asUnavailable(component, what, err);
  }
}

/** The error to throw for `err` (an `UnavailableError` when transient, `err` itself otherwise). */
export function asUnavailable(component: string, what: string, err: unknown): unknown {
  if (err instanceof UnavailableError) return err;
  if (!isTransientDatabaseError(err)) return err;
  const why = isReadOnlyError(err) ? "the database is read-only" : "the database cannot be reached";
  return new UnavailableError(component, `${what}: ${why}; retry later`, { cause: err, retryAfterMs: DATABASE_RETRY_AFTER_MS });
}
