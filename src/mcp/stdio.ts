/**
 * MCP over stdio for IDE agents: the agent starts `certus-trust mcp`, which talks to a running
 * Certus-Trust over Connect (`--server`, `--api-key`). Nothing but MCP messages goes to stdout.
 */
import type { Client } from "@connectrpc/connect";
import type { TrustService } from "@certus/trust-sdk";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { createTrustMcpServer } from "./server.js";
import type { TrustToolDeps } from "./tools.js";

/** Serves MCP on stdin/stdout until stdin closes. */
export async function serveMcpStdio(client: Client<typeof TrustService>, explainPolicy: TrustToolDeps["explainPolicy"]): Promise<void> {
  const server = createTrustMcpServer({ client, explainPolicy, canSign: true, canRead: true });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
  await server.connect(transport);
  await new Promise<void>((resolve) => {
    process.stdin.once("end", resolve);
    process.stdin.once("close", resolve);
    void closed.then(resolve);
  });
  await server.close();
}
