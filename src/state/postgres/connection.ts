/**
 * How the PostgreSQL state store reaches its database: the `--database-url` parsed once into a
 * `pg` pool configuration, with TLS decided here and nowhere else.
 *
 * The URL is `postgres[ql]://user[:password]@host[:port]/database[?params]`. Parameters accepted
 * (libpq's names, with libpq's meaning where `pg` differs):
 *
 * - `sslmode`: `disable` (no TLS), `require` (TLS, the server's certificate not checked: protects
 *   against a passive listener only), `verify-ca` (TLS, certificate chains to the CA),
 *   `verify-full` (that, and the certificate names the host). Default: `disable` for a loopback
 *   host, `verify-full` for any other, so a remote database is never reached in the clear or
 *   unauthenticated by accident.
 * - `sslrootcert`: PEM CA file for `verify-ca`/`verify-full` (also `--database-ca-file`, which wins);
 *   without one, Node.js's bundled public CAs are used.
 * - `sslcert`, `sslkey`: a client certificate and key (PEM files) for certificate authentication.
 * - `application_name`: shown in `pg_stat_activity` (default `certus-trust`).
 *
 * Anything else is refused with a message naming it, rather than ignored. The password may also
 * come from `PGPASSWORD` (read by `pg`), so it need not be in the URL. The URL is never logged:
 * {@link redactedDatabaseUrl} is what /readyz and the logs show.
 */
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import type { PoolConfig } from "pg";

/** Connections one process keeps open at most (appends are batched, so a few suffice). */
export const DEFAULT_POOL_SIZE = 10;
/** How long taking a connection from the pool (or opening one) may take, ms; then `unavailable`. */
export const CONNECT_TIMEOUT_MS = 3000;
/** How long one statement may run before the client gives up on it, ms. */
export const QUERY_TIMEOUT_MS = 10_000;
/** An idle connection is closed after this, ms. */
export const IDLE_TIMEOUT_MS = 30_000;

/** The TLS modes accepted in `sslmode`. */
export const SSL_MODES = ["disable", "require", "verify-ca", "verify-full"] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** What the operator gives. */
export interface DatabaseOptions {
  /** `postgres://…` (see the file comment). */
  url: string;
  /** PEM CA file for the server's certificate; overrides `sslrootcert`. */
  caFile?: string | undefined;
  /** Pool size; default {@link DEFAULT_POOL_SIZE}. */
  poolSize?: number | undefined;
}

/** A database URL that cannot be used; the message never contains the password. */
export class DatabaseUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseUrlError";
  }
}

const ALLOWED_PARAMS = new Set(["sslmode", "sslrootcert", "sslcert", "sslkey", "application_name"]);

function parseUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DatabaseUrlError("databaseUrl: not a URL; expected postgres://user:password@host:port/database");
  }
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:") {
    throw new DatabaseUrlError(`databaseUrl: scheme "${u.protocol.replace(/:$/, "")}" is not accepted; expected postgres:// or postgresql://`);
  }
  if (u.hostname === "") throw new DatabaseUrlError("databaseUrl: no host; expected postgres://user:password@host:port/database");
  if (u.pathname.length <= 1) throw new DatabaseUrlError("databaseUrl: no database name; expected postgres://user:password@host:port/database");
  for (const key of u.searchParams.keys()) {
    if (!ALLOWED_PARAMS.has(key)) throw new DatabaseUrlError(`databaseUrl: parameter "${key}" is not supported; accepted: ${[...ALLOWED_PARAMS].join(", ")}`);
  }
  return u;
}

function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function readPem(what: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new DatabaseUrlError(`${what}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
  }
}

/** The TLS mode in effect for `url` (explicit, or the default for its host). */
export function sslModeOf(url: string): SslMode {
  const u = parseUrl(url);
  const mode = u.searchParams.get("sslmode");
  if (mode === null) return isLoopbackHost(u.hostname) ? "disable" : "verify-full";
  if (!(SSL_MODES as readonly string[]).includes(mode)) {
    throw new DatabaseUrlError(`databaseUrl: sslmode "${mode}" is not accepted; expected one of ${SSL_MODES.join(", ")}`);
  }
  return mode as SslMode;
}

/** Checks the URL and builds the pool configuration (reads the PEM files once). */
export function poolConfig(options: DatabaseOptions): PoolConfig {
  const u = parseUrl(options.url);
  const mode = sslModeOf(options.url);
  let ssl: ConnectionOptions | false = false;
  if (mode !== "disable") {
    const caPath = options.caFile || u.searchParams.get("sslrootcert") || undefined;
    const cert = u.searchParams.get("sslcert");
    const key = u.searchParams.get("sslkey");
    if ((cert === null) !== (key === null)) throw new DatabaseUrlError("databaseUrl: sslcert and sslkey go together");
    ssl = {
      rejectUnauthorized: mode !== "require",
      ...(caPath ? { ca: readPem(options.caFile ? "databaseCaFile" : "databaseUrl sslrootcert", caPath) } : {}),
      ...(cert !== null && key !== null ? { cert: readPem("databaseUrl sslcert", cert), key: readPem("databaseUrl sslkey", key) } : {}),
      // verify-ca: the chain is checked, the name is not (libpq's meaning).
      ...(mode === "verify-ca" ? { checkServerIdentity: () => undefined } : {}),
    };
  } else if (options.caFile) {
    throw new DatabaseUrlError("databaseCaFile: set, but TLS is off (sslmode=disable, or a loopback host without sslmode); add ?sslmode=verify-full");
  }
  return {
    host: decodeURIComponent(u.hostname.replace(/^\[|\]$/g, "")),
    port: u.port ? Number(u.port) : 5432,
    database: decodeURIComponent(u.pathname.slice(1)),
    ...(u.username ? { user: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ssl,
    application_name: u.searchParams.get("application_name") ?? "certus-trust",
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    // The server also gives up, so a statement stuck on a lock does not hold a connection forever.
    statement_timeout: QUERY_TIMEOUT_MS,
    keepAlive: true,
  };
}

/** `postgres://user@host:port/database?sslmode=…` without the password: what logs and /readyz show. */
export function redactedDatabaseUrl(url: string): string {
  try {
    const u = parseUrl(url);
    return `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}@` : ""}${u.host}${u.pathname} (sslmode=${sslModeOf(url)})`;
  } catch {
    return "(unparseable database URL)";
  }
}
