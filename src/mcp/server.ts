/**
 * The MCP server of Certus-Trust: a `McpServer` with the trust tools, the same over stdio
 * (`certus-trust mcp`) and over streamable HTTP (`/mcp` on the service port).
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { registerTrustTools, type TrustToolDeps } from "./tools.js";

export const MCP_SERVER_NAME = "certus-trust";
export const MCP_SERVER_VERSION = "0.1.0";

const INSTRUCTIONS =
  "Certus-Trust signs and verifies software artifacts with Sigstore and keeps a transparency log. " +
  "Artifacts are identified by their SHA-256 digest (sha256:<64 hex>); compute it locally (sha256sum) — the service never fetches artifacts. " +
  "To check an artifact before using it, call verify_artifact with its bundle, digest and the signer you expect. " +
  "Use explain_policy to learn which signers a policy requires, get_log_entry/get_inclusion_proof to show log evidence, " +
  "and get_trusted_root to verify offline.";

export function createTrustMcpServer(deps: TrustToolDeps): McpServer {
  const server = new McpServer({ name: MCP_SERVER_NAME, version: MCP_SERVER_VERSION }, { instructions: INSTRUCTIONS });
  registerTrustTools(server, deps);
  return server;
}
