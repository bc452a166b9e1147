/**
 * The request handler behind the one port, for HTTP/1.1 and HTTP/2 alike: CORS, the plain
 * health endpoints, REST aliases (rewritten onto Connect paths), then the Connect router
 * (Connect, gRPC, gRPC-Web), then a JSON 404 that says where the API is.
 */
import { applyCors } from "./cors.js";
import type { HealthState } from "./health.js";
import type { DescMessage } from "@bufbuild/protobuf";
import { precheckJsonBody } from "../http/json-precheck.js";
import { precheckProtoBody } from "./proto-precheck.js";
import { rewriteRestAlias } from "./rest.js";

import { sendGrpcError, sendJson, sendJsonError, sendTooLarge } from "../http/reply.js";
import type { PathHandler, Req, Res } from "../http/types.js";

export interface HttpHandlerOptions {
  /** The Connect adapter (connectNodeAdapter). */
  connect: (req: never, res: never) => void;
  health: HealthState;
  corsOrigins: readonly string[];
  extraPaths?: readonly PathHandler[];
  /** When set, JSON bodies bound for the Connect router are read and checked first (depth, string length, size). */
  maxBodyBytes?: number;
  /** Unary methods' input messages by path: binary (`application/proto`) bodies are decoded first. */
  unaryInputs?: ReadonlyMap<string, DescMessage>;
}

export function createHttpHandler(opts: HttpHandlerOptions): (req: Req, res: Res) => void {
  return (req, res) => {
    void (async () => {
      if (applyCors(opts.corsOrigins, req, res)) return;
      const path = (req.url ?? "").split("?")[0];
      if (path === "/healthz" && (req.method === "GET" || req.method === "HEAD")) {
        sendJson(res, 200, { status: "ok" });
        return;
      }
      if (path === "/readyz" && (req.method === "GET" || req.method === "HEAD")) {
        const ready = opts.health.ready();
        sendJson(res, ready ? 200 : 503, opts.health.readinessReport());
        return;
      }
      for (const extra of opts.extraPaths ?? []) {
        if (await extra(req, res)) return;
      }
      const alias = rewriteRestAlias(req);
      if (alias.kind === "method-not-allowed") {
        sendJsonError(res, 405, "invalid_argument", `${req.method} is not allowed on ${path}; use ${alias.allow}`, { allow: alias.allow });
        return;
      }
      if (opts.maxBodyBytes !== undefined) {
        let checked = await precheckJsonBody(req, opts.maxBodyBytes);
        if (checked.ok && opts.unaryInputs) checked = await precheckProtoBody(req, opts.maxBodyBytes, opts.unaryInputs);
        if (!checked.ok) {
          const grpc = (req.headers["content-type"] ?? "").startsWith("application/grpc");
          if (grpc) sendGrpcError(req, res, checked.code === "resource_exhausted" ? 8 : 3, checked.message);
          else if (checked.code === "resource_exhausted") sendTooLarge(req, res, checked.message);
          else sendJsonError(res, 400, checked.code, checked.message);
          return;
        }
      }
      opts.connect(req as never, res as never);
    })().catch((err: unknown) => {
      if (!res.headersSent) sendJsonError(res, 500, "internal", "internal error");
      else res.destroy(err instanceof Error ? err : undefined);
    });
  };
}

/** The Connect adapter's fallback: a JSON 404 naming the path and where the API is. */
export function notFoundFallback(req: Req, res: Res): void {
  sendJsonError(
    res,
    404,
    "not_found",
    `no route for ${req.method} ${(req.url ?? "").split("?")[0]}; the API is at /certus.trust.v1.TrustService/<Method> (Connect, gRPC, gRPC-Web) and /v1/sign, /v1/verify, /v1/transparency, /v1/keys (REST)`,
  );
}
