/**
 * The database options the operator commands share (`db`, `audit`, `apikey`): `--database-url`
 * (env `CERTUS_TRUST_DATABASE_URL`, which keeps the password out of the process list) and
 * `--database-ca-file` (env `CERTUS_TRUST_DATABASE_CA_FILE`), and how their failures end: a
 * database that cannot be reached exits 3, a bad URL exits 2, like the client commands.
 */
import { UnavailableError } from "../errors.js";
import { createLogger } from "../logger.js";
import { DatabaseUrlError } from "../state/postgres/connection.js";
import { PostgresStateStore } from "../state/postgres/postgres-state-store.js";
import { LATEST_VERSION, schemaVersion, SchemaTooNewError } from "../state/postgres/migrations.js";
import { UsageError } from "./client.js";

/** parseArgs options for the database. */
export const DATABASE_ARG_OPTIONS = { "database-url": { type: "string" }, "database-ca-file": { type: "string" } } as const;

/** The usage lines for them. */
export const DATABASE_USAGE = `  --database-url <url>     the PostgreSQL state store, postgres://user@host:port/db[?sslmode=verify-full]
                           (env CERTUS_TRUST_DATABASE_URL; put the password there or in PGPASSWORD)
  --database-ca-file <pem> CA of the database server's certificate (env CERTUS_TRUST_DATABASE_CA_FILE)`;

/** The database URL and CA file given, or undefined when none is (the command then works on files). */
export function databaseOptionsOf(values: {
  "database-url"?: string | undefined;
  "database-ca-file"?: string | undefined;
}): { url: string; caFile?: string } | undefined {
  const url = values["database-url"] ?? (process.env["CERTUS_TRUST_DATABASE_URL"] || undefined);
  const caFile = values["database-ca-file"] ?? (process.env["CERTUS_TRUST_DATABASE_CA_FILE"] || undefined);
  if (url === undefined) {
    if (caFile !== undefined) throw new UsageError("--database-ca-file needs --database-url");
    return undefined;
  }
  return { url, ...(caFile ? { caFile } : {}) };
}

/**
 * Opens the PostgreSQL state store for an operator command (migrating it unless `migrate` is
 * false), runs `fn`, closes it; database failures become messages and exit codes.
 */
export async function withDatabase(
  command: string,
  options: { url: string; caFile?: string },
  migrate: boolean,
  fn: (store: PostgresStateStore) => Promise<number>,
): Promise<number> {
  let store: PostgresStateStore;
  try {
    store = await PostgresStateStore.open({ ...options, log: createLogger("silent"), migrate });
  } catch (err) {
    return databaseFailure(command, err);
  }
  try {
    if (!migrate) {
      const version = await schemaVersion(store.db.pool);
      if (version === 0) {
        console.error(
          `certus-trust ${command}: the database holds no Certus-Trust state (schema not created); start the service on it or run \`certus-trust db migrate\``,
        );
        return 1;
      }
      if (version > LATEST_VERSION) throw new SchemaTooNewError(version, LATEST_VERSION);
    }
    return await fn(store);
  } catch (err) {
    return databaseFailure(command, err);
  } finally {
    await store.close();
  }
}

function databaseFailure(command: string, err: unknown): number {
  if (err instanceof DatabaseUrlError) throw new UsageError(err.message);
  if (err instanceof SchemaTooNewError) {
    console.error(`certus-trust ${command}: ${err.message}`);
    return 2;
  }
  const code = (err as { code?: unknown } | undefined)?.code;
  if ((typeof code === "string" || typeof code === "number" ? String(code) : "").startsWith("28")) {
    console.error(`certus-trust ${command}: the database refused the credentials: ${(err as Error).message}`);
    return 2;
  }
  if (err instanceof UnavailableError || isNetworkError(err)) {
    console.error(`certus-trust ${command}: the database is unavailable: ${(err as Error).message}`);
    return 3;
  }
  throw err;
}

function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && (/^E[A-Z]+$/.test(code) || /^(08|57|53)/.test(code));
}
