/**
 * `certus-trust db migrate|migrate-from-files`: operator commands for the PostgreSQL state store.
 *
 * - `migrate` applies the schema migrations this build has (the service also does at start;
 *   run it first when the service's database role may not change the schema).
 * - `migrate-from-files` moves a data directory's audit trail, upload permissions and API keys
 *   into the database, the audit chain unchanged (so `audit verify --database-url` verifies it
 *   end to end). Stop the service that writes the data directory first. Safe to re-run.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_CONFIG } from "../config/config.js";
import { ApiKeyStore } from "../state/file/api-key-store.js";
import { readAuditEvents, verifyAuditTrail } from "../state/file/audit-log.js";
import { PermissionStore } from "../state/file/permission-store.js";
import { createLogger } from "../logger.js";
import { ImportRefusedError, importRecords } from "../state/postgres/import-records.js";
import { LATEST_VERSION } from "../state/postgres/migrations.js";
import { outputOf, UsageError } from "./client.js";
import { DATABASE_ARG_OPTIONS, DATABASE_USAGE, databaseOptionsOf, withDatabase } from "./database-options.js";

export const DB_USAGE = `Usage: certus-trust db migrate --database-url <url>
       certus-trust db migrate-from-files --data-dir <dir> --database-url <url>

migrate             apply the PostgreSQL schema migrations of this build (the service also does at start)
migrate-from-files  move the audit trail, upload permissions and API keys of a data directory into
                    PostgreSQL, the audit chain unchanged; stop the service first; safe to re-run
${DATABASE_USAGE}
  --data-dir <dir>         the data directory to read (default ${DEFAULT_CONFIG.dataDir}; env CERTUS_TRUST_DATA_DIR)
  --output json|text       output format (default text)`;

export async function dbCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { ...DATABASE_ARG_OPTIONS, "data-dir": { type: "string" }, output: { type: "string" }, help: { type: "boolean" } },
    strict: true,
  });
  if (values.help || sub === "--help" || sub === undefined) {
    console.log(DB_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== "migrate" && sub !== "migrate-from-files") throw new UsageError(`unknown db subcommand "${sub}"; expected migrate or migrate-from-files`);
  const output = outputOf(values);
  const database = databaseOptionsOf(values);
  if (!database) throw new UsageError("--database-url (or CERTUS_TRUST_DATABASE_URL) is required");

  if (sub === "migrate") {
    return withDatabase("db migrate", database, true, (store) => {
      const m = store.migration;
      if (m === undefined) throw new Error("the store was opened with migrate but reports no migration");
      if (output === "json") console.log(JSON.stringify({ from: m.from, to: m.to, applied: m.applied }));
      else if (m.applied.length === 0) console.log(`schema up to date (version ${m.to})`);
      else console.log(`schema migrated from version ${m.from} to ${m.to}: ${m.applied.map((a) => `${a.version} ${a.name}`).join("; ")}`);
      return Promise.resolve(0);
    });
  }

  const dataDir = resolve(values["data-dir"] ?? process.env["CERTUS_TRUST_DATA_DIR"] ?? DEFAULT_CONFIG.dataDir);
  const check = verifyAuditTrail(dataDir);
  if (!check.ok) {
    console.error(`certus-trust db migrate-from-files: the audit trail in ${dataDir} does not verify, nothing was moved: ${check.problem}`);
    return 1;
  }
  const permissionsFile = PermissionStore.open(dataDir, createLogger("silent"));
  const permissions = permissionsFile.all();
  await permissionsFile.close();
  const state = { auditEvents: readAuditEvents(dataDir), permissions, apiKeys: ApiKeyStore.open(dataDir).list() };
  return withDatabase("db migrate-from-files", database, true, async (store) => {
    try {
      const report = await importRecords(store.db, state);
      const after = await store.audit.verifyChainHead();
      if (output === "json") console.log(JSON.stringify({ ...report, schemaVersion: LATEST_VERSION, chain: after }));
      else {
        console.log(`audit events: ${report.auditEvents.imported} moved, ${report.auditEvents.alreadyPresent} already there`);
        console.log(`upload permissions: ${report.permissions.imported} moved, ${report.permissions.alreadyPresent} already there`);
        console.log(`API keys: ${report.apiKeys.imported} moved, ${report.apiKeys.alreadyPresent} already there`);
        console.log(after.ok ? `audit chain in the database intact: ${after.events} events` : `audit chain in the database BROKEN: ${after.problem}`);
      }
      return after.ok ? 0 : 1;
    } catch (err) {
      if (err instanceof ImportRefusedError) {
        console.error(`certus-trust db migrate-from-files: ${err.message}`);
        return 1;
      }
      throw err;
    }
  });
}
