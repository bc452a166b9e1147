/**
 * CORS for configured browser origins, with the headers the Connect, gRPC-Web and REST paths need
 * (from connect-es' `cors` constants, so they stay in step with the protocols).
 */
import type { ServerResponse } from "node:http";
import type { Req, Res } from "../http/types.js";
import { cors as connectCors } from "@connectrpc/connect";

const ALLOW_METHODS = connectCors.allowedMethods.join(", ");
const ALLOW_HEADERS = [...connectCors.allowedHeaders, "Authorization", "X-Api-Key", "X-Request-Id"].join(", ");
const EXPOSE_HEADERS = [...connectCors.exposedHeaders, "X-Request-Id", "Retry-After"].join(", ");

/**
 * Applies CORS to a request. Returns true when the request was a preflight and has been answered.
 * Requests from origins not in `origins` get no CORS headers, so the browser blocks them.
 */
export function applyCors(origins: readonly string[], req: Req, res: Res): boolean {
  const origin = req.headers.origin;
  if (origins.length === 0 || typeof origin !== "string") return false;
  const allowed = origins.includes("*") || origins.includes(origin);
  if (!allowed) return false;
  res.setHeader("Access-Control-Allow-Origin", origins.includes("*") ? "*" : origin);
  res.setHeader("Vary", "Origin");
  res.setHeader("Access-Control-Expose-Headers", EXPOSE_HEADERS);
  if (req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined) {
    res.setHeader("Access-Control-Allow-Methods", ALLOW_METHODS);
    res.setHeader("Access-Control-Allow-Headers", ALLOW_HEADERS);
    res.setHeader("Access-Control-Max-Age", "7200");
    (res as ServerResponse).writeHead(204);
    res.end();
    return true;
  }
  return false;
}
