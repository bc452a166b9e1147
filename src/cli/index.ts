/**
 * The `certus-trust` command: dispatches to one file per subcommand. Exit codes: 0 ok,
 * 1 verification failed, 2 usage or configuration error, 3 service unavailable.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { ConfigError } from "../config/config.js";
import { PolicyFileError } from "../policy/loader.js";
import { UsageError, exitCodeOf } from "./client.js";
import { apikeyCommand } from "./apikey.js";
import { auditCommand } from "./audit.js";
import { dbCommand } from "./db.js";
import { keysCommand } from "./keys.js";
import { logCommand } from "./log-verify.js";
import { mcpCommand } from "./mcp.js";
import { proofCommand } from "./proof.js";
import { verifyCommand } from "./verify.js";
import { watchCommand } from "./watch.js";
import { policyCommand } from "./policy.js";
import { SERVE_USAGE, serve } from "./serve.js";
import { signCommand } from "./sign.js";
import { attestCommand } from "./attest.js";
import { attachCommand } from "./attach.js";

const USAGE = `Usage: certus-trust <command> [options]

Commands:
  serve     start the service (see: certus-trust serve --help)
  sign      sign an artifact digest, print the bundle                       (Sign)
  attest    sign your own in-toto predicate about an artifact (attestation)  (Sign)
  attach    attach a bundle (or --sign) to an image in its registry (OCI referrer)
  verify    verify a bundle over an artifact (or an oci:// image's attached   (Verify)
            bundles) against an expected signer
  proof     log entries with inclusion proofs, or a consistency proof       (GetTransparency; alias: transparency)
  keys      print the public keys, --trusted-root or --tuf-root; keys rotate (GetKeys)
  log       verify: audit the transparency log (signatures, consistency, --full)
  watch     follow the log's signed checkpoints                              (WatchCheckpoints)
  apikey    create, list or revoke API keys (on the server's data directory)
  mcp       MCP server on stdio for IDE agents (see docs/mcp.md)
  policy    check: dry-run a signer policy against a bundle
  audit     verify the audit trail's hash chain, or list its events
  db        migrate: the PostgreSQL state store's schema; migrate-from-files: move a data directory into it

Client commands take --server <url>, --api-key <key> (or CERTUS_TRUST_SERVER, CERTUS_TRUST_API_KEY),
--output json|text and --help.

Exit codes: 0 ok, 1 verification failed (or the call was refused), 2 usage or configuration error,
3 service unavailable or unreachable.`;

/** A subcommand: its exit code (the local ones finish synchronously). */
type Command = (argv: string[]) => number | Promise<number>;

const COMMANDS: Record<string, Command> = {
  serve,
  sign: signCommand,
  attest: attestCommand,
  attach: attachCommand,
  verify: verifyCommand,
  proof: proofCommand,
  transparency: proofCommand,
  keys: keysCommand,
  log: logCommand,
  watch: watchCommand,
  apikey: apikeyCommand,
  mcp: mcpCommand,
  policy: policyCommand,
  audit: auditCommand,
  db: dbCommand,
};

export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    console.error(`certus-trust: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`certus-trust ${name}: ${err.message} (see: certus-trust ${name} --help)`);
      return 2;
    }
    if (err instanceof ConnectError) {
      console.error(`certus-trust ${name}: ${err.code === Code.Unavailable || err.code === Code.Unknown ? "cannot reach the service: " : ""}${err.rawMessage}`);
      return exitCodeOf(err);
    }
    if (err instanceof PolicyFileError) {
      console.error(`certus-trust ${name}: policy file not loaded: ${err.message}`);
      return 2;
    }
    if (err instanceof ConfigError || (err instanceof TypeError && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS"))) {
      console.error(`certus-trust ${name}: ${err.message}`);
      if (name === "serve" && !(err instanceof ConfigError)) console.error(`\n${SERVE_USAGE}`);
      return 2;
    }
    throw err;
  }
}
