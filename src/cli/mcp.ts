/**
 * `certus-trust mcp`: an MCP server on stdio for IDE agents, backed by a running Certus-Trust
 * (`--server`, `--api-key`). Policies are explained from `--policy-file` (the same YAML the
 * server loads) or the built-in default.
 */
import { parseArgs } from "node:util";
import { serveMcpStdio } from "../mcp/stdio.js";
import { loadPolicyFile } from "../policy/loader.js";
import { builtInPolicySet, describePolicy, type PolicySet } from "../policy/model.js";
import { CLIENT_OPTIONS, UsageError, trustClient } from "./client.js";
import { DEFAULT_SERVER } from "./client.js";

export const MCP_USAGE = `Usage: certus-trust mcp [--server <url>] [--api-key <key>] [--policy-file <yaml>]

Serves the Model Context Protocol on stdin/stdout for IDE agents (tools: verify_artifact,
sign_artifact, get_log_entry, get_inclusion_proof, get_trusted_root, explain_policy), calling a
running Certus-Trust. Register it in your agent as a stdio server; see docs/mcp.md.
  --server <url>           the service (default ${DEFAULT_SERVER}; env CERTUS_TRUST_SERVER)
  --api-key <key>          credentials (env CERTUS_TRUST_API_KEY)
  --policy-file <yaml>     policies for explain_policy (default: the built-in default policy)`;

export async function mcpCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...CLIENT_OPTIONS, "policy-file": { type: "string" } }, strict: true });
  if (values.help) {
    console.log(MCP_USAGE);
    return 0;
  }
  if (values.output !== undefined) throw new UsageError("--output does not apply: MCP speaks JSON-RPC");
  const policyFile = values["policy-file"] ?? process.env["CERTUS_TRUST_POLICY_FILE"];
  const set: PolicySet = policyFile ? loadPolicyFile(policyFile) : builtInPolicySet();
  const explain = (name: string) => {
    const p = set.policies.get(name === "" ? "default" : name);
    if (!p) throw new Error(`no policy named "${name}"; known policies: ${[...set.policies.keys()].join(", ")}`);
    return { text: describePolicy(p), policies: [...set.policies.keys()] };
  };
  await serveMcpStdio(trustClient(values), explain);
  return 0;
}
