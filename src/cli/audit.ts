/**
 * `certus-trust audit verify|list`: checks the hash chain of the audit trail in a data directory
 * or in the PostgreSQL state store (`--database-url`), or lists its events. Reads the store
 * directly (works with the server stopped or running).
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_CONFIG } from "../config/config.js";
import { readAuditEvents, verifyAuditTrail } from "../state/file/audit-log.js";
import type { AuditCheck, AuditEvent } from "../state/state-store.js";
import { UsageError } from "./client.js";
import { DATABASE_ARG_OPTIONS, DATABASE_USAGE, databaseOptionsOf, withDatabase } from "./database-options.js";

export const AUDIT_USAGE = `Usage: certus-trust audit verify [--data-dir <dir> | --database-url <url>]
       certus-trust audit list [--since <time>] [--artifact <digest|uri>] [--data-dir <dir> | --database-url <url>] [--output json|text]

verify  re-checks the hash chain of every audit event; exits 1 naming the first broken event
list    prints events (newest last), optionally since a time (ISO 8601) or for one artifact
  --data-dir <dir>         the service's data directory (default ${DEFAULT_CONFIG.dataDir}; env CERTUS_TRUST_DATA_DIR)
${DATABASE_USAGE}`;

export function auditCommand(argv: string[]): number | Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      ...DATABASE_ARG_OPTIONS,
      "data-dir": { type: "string" },
      since: { type: "string" },
      artifact: { type: "string" },
      output: { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help || sub === "--help" || sub === undefined) {
    console.log(AUDIT_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== "verify" && sub !== "list") throw new UsageError(`unknown audit subcommand "${sub}"; expected verify or list`);
  let since: Date | undefined;
  if (values.since) {
    since = new Date(values.since);
    if (Number.isNaN(since.getTime())) throw new UsageError(`--since: "${values.since}" is not a time; expected ISO 8601, e.g. 2026-11-25T10:00:00Z`);
  }
  const filter = { ...(since ? { since } : {}), ...(values.artifact ? { artifact: values.artifact } : {}) };
  const database = databaseOptionsOf(values);
  if (database && values["data-dir"] !== undefined) throw new UsageError("give --data-dir or --database-url, not both");
  if (database) {
    return withDatabase("audit", database, false, async (store) =>
      sub === "verify" ? report(await store.audit.verifyChainHead()) : print(await store.audit.read(filter), values.output),
    );
  }
  const dataDir = resolve(values["data-dir"] ?? process.env["CERTUS_TRUST_DATA_DIR"] ?? DEFAULT_CONFIG.dataDir);
  return sub === "verify" ? report(verifyAuditTrail(dataDir)) : print(readAuditEvents(dataDir, filter), values.output);
}

function report(check: AuditCheck): number {
  if (check.ok) {
    console.log(`audit trail intact: ${check.events} events`);
    return 0;
  }
  console.error(`audit trail BROKEN after ${check.events} good events: ${check.problem}`);
  return 1;
}

function print(events: AuditEvent[], output: string | undefined): number {
  if (output === "json") console.log(JSON.stringify(events, null, 2));
  else
    for (const e of events) {
      const reasons = e.reasons?.length ? ` — ${e.reasons.join("; ")}` : "";
      console.log(`${e.seq} ${e.time} ${e.action} ${e.verdict} by ${e.caller} ${e.artifact?.digest ?? ""}${e.logIndex ? ` log#${e.logIndex}` : ""}${reasons}`);
    }
  return 0;
}
