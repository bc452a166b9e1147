/**
 * MCP over streamable HTTP at `/mcp`, on the service port. Stateless: each POST gets a fresh MCP
 * server and transport (no session to pin to one replica), answered as JSON. The HTTP caller is
 * authenticated like any other; its tools call the TrustService in-process through the same
 * interceptors (scopes, rate limit, audit under the caller's identity, metrics).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createClient, type ConnectRouter, type Interceptor } from "@connectrpc/connect";
import { createRouterTransport } from "@connectrpc/connect";
import { TrustService } from "@certus/trust-sdk";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { AuthLayer } from "../auth/auth-layer.js";
import { PREAUTHENTICATED, type CallerIdentity } from "../auth/caller.js";
import { allows } from "../auth/scopes.js";
import type { Logger } from "../logger.js";
import { jsonBodyProblem } from "../http/json-precheck.js";
import { readAndReplayBody } from "../http/body.js";
import { sendJsonError, sendTooLarge } from "../http/reply.js";
import type { PathHandler } from "../http/types.js";
import { createTrustMcpServer } from "./server.js";
import type { TrustToolDeps } from "./tools.js";

export const MCP_PATH = "/mcp";
/** Largest MCP request body, bytes (the MCP SDK's own limit). */
export const MAX_MCP_BODY_BYTES = 4 * 1024 * 1024;

export interface McpHttpOptions {
  auth: AuthLayer;
  /** The TrustService routes, registered on each in-process transport. */
  routes: (router: ConnectRouter) => void;
  /** The server's interceptors (outermost first), applied to in-process calls too. */
  interceptors: Interceptor[];
  explainPolicy: TrustToolDeps["explainPolicy"];
  log: Logger;
}

/** A Connect client that calls the service in-process as `caller`. */
function inProcessClient(opts: McpHttpOptions, caller: CallerIdentity) {
  const asCaller: Interceptor = (next) => (req) => {
    req.contextValues.set(PREAUTHENTICATED, caller);
    return next(req);
  };
  // The caller is fixed before the auth interceptor runs; the per-call log line and metrics wrap it.
  return createClient(TrustService, createRouterTransport(opts.routes, { router: { interceptors: [asCaller, ...opts.interceptors] } }));
}

export function mcpPathHandler(opts: McpHttpOptions): PathHandler {
  return async (req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== MCP_PATH) return false;
    if (req.method !== "POST") {
      // Stateless server: no server-initiated stream (GET) and no session to delete.
      sendJsonError(res, 405, "invalid_argument", `${req.method} is not supported on ${MCP_PATH}; MCP clients POST JSON-RPC here (stateless, JSON responses)`, {
        allow: "POST",
      });
      return true;
    }
    const caller = await opts.auth.guard(req, res, undefined, "the MCP endpoint");
    if (!caller) return true;
    // The same bounds as every other JSON body (size, nesting, string length, UTF-8), checked
    // before the MCP SDK parses it.
    const body = await readAndReplayBody(req, MAX_MCP_BODY_BYTES);
    if (body === undefined) {
      sendTooLarge(req, res, `request body is larger than the limit of ${MAX_MCP_BODY_BYTES} bytes`);
      return true;
    }
    const problem = jsonBodyProblem(body);
    if (problem !== undefined) {
      sendJsonError(res, 400, "invalid_argument", `request body: ${problem}`);
      return true;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      sendJsonError(res, 400, "invalid_argument", "request body is not JSON");
      return true;
    }
    const server = createTrustMcpServer({
      client: inProcessClient(opts, caller),
      explainPolicy: opts.explainPolicy,
      canSign: allows(caller.scopes, "sign"),
      canRead: allows(caller.scopes, "read"),
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req as IncomingMessage, res as ServerResponse, parsed);
    } catch (err) {
      opts.log.error({ err, caller: caller.id }, "MCP request failed");
      if (!res.headersSent) sendJsonError(res, 500, "internal", "internal error");
    }
    return true;
  };
}
