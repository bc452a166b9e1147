/**
 * `GET /metrics`: the Prometheus text exposition. With authentication configured it needs the
 * `read` scope (Prometheus sends `authorization: Bearer <API key>` via its `authorization`
 * scrape setting), so a network-exposed service does not publish its traffic shape to anyone;
 * without authentication (loopback only) it is open like every other path.
 */
import type { ServerResponse } from "node:http";
import type { AuthLayer } from "../auth/auth-layer.js";
import { sendJsonError } from "../http/reply.js";
import type { PathHandler } from "../http/types.js";
import type { TrustMetrics } from "./metrics.js";

export const METRICS_PATH = "/metrics";

export function metricsPathHandler(metrics: TrustMetrics, auth: AuthLayer): PathHandler {
  return async (req, res) => {
    if ((req.url ?? "").split("?")[0] !== METRICS_PATH) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      sendJsonError(res, 405, "invalid_argument", `${req.method} is not allowed on ${METRICS_PATH}; use GET`, { allow: "GET" });
      return true;
    }
    if (!(await auth.guard(req, res, "read", METRICS_PATH))) return true;
    const { contentType, body } = await metrics.render();
    const out = res as ServerResponse;
    out.writeHead(200, { "content-type": contentType, "content-length": Buffer.byteLength(body), "cache-control": "no-store" });
    if (req.method === "HEAD") out.end();
    else out.end(body);
    return true;
  };
}
