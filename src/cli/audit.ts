/**
 * `certus-trust audit verify|list`: checks the hash chain of the audit trail in a data directory,
 * or lists its events. Reads the files directly (works with the server stopped or running).
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_CONFIG } from "../config/config.js";
import { readAuditEvents, verifyAuditTrail } from "../state/file/audit-log.js";
import { UsageError } from "./client.js";

export const AUDIT_USAGE = `Usage: certus-trust audit verify [--data-dir <dir>]
       certus-trust audit list [--since <time>] [--artifact <digest|uri>] [--data-dir <dir>] [--output json|text]

verify  re-checks the hash chain of every audit event; exits 1 naming the first broken event
list    prints events (newest last), optionally since a time (ISO 8601) or for one artifact
  --data-dir <dir>         the service's data directory (default ${DEFAULT_CONFIG.dataDir}; env CERTUS_TRUST_DATA_DIR)`;

export function auditCommand(argv: string[]): number {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { "data-dir": { type: "string" }, since: { type: "string" }, artifact: { type: "string" }, output: { type: "string" }, help: { type: "boolean" } },
    strict: true,
  });
  if (values.help || sub === "--help" || sub === undefined) {
    console.log(AUDIT_USAGE);
    return sub === undefined ? 2 : 0;
  }
  const dataDir = resolve(values["data-dir"] ?? process.env["CERTUS_TRUST_DATA_DIR"] ?? DEFAULT_CONFIG.dataDir);
  if (sub === "verify") {
    const check = verifyAuditTrail(dataDir);
    if (check.ok) {
      console.log(`audit trail intact: ${check.events} events`);
      return 0;
    }
    console.error(`audit trail BROKEN after ${check.events} good events: ${check.problem}`);
    return 1;
  }
  if (sub === "list") {
    let since: Date | undefined;
    if (values.since) {
      since = new Date(values.since);
      if (Number.isNaN(since.getTime())) throw new UsageError(`--since: "${values.since}" is not a time; expected ISO 8601, e.g. 2026-11-25T10:00:00Z`);
    }
    const events = readAuditEvents(dataDir, { ...(since ? { since } : {}), ...(values.artifact ? { artifact: values.artifact } : {}) });
    if (values.output === "json") console.log(JSON.stringify(events, null, 2));
    else
      for (const e of events) {
        const reasons = e.reasons?.length ? ` — ${e.reasons.join("; ")}` : "";
        console.log(`${e.seq} ${e.time} ${e.action} ${e.verdict} by ${e.caller} ${e.artifact?.digest ?? ""}${e.logIndex ? ` log#${e.logIndex}` : ""}${reasons}`);
      }
    return 0;
  }
  throw new UsageError(`unknown audit subcommand "${sub}"; expected verify or list`);
}
