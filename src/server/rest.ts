/**
 * REST aliases: the seed's paths, served by the same Connect handlers (and so the same
 * interceptors) in proto3 JSON. A request to an alias is rewritten in place into the Connect
 * request it stands for, before the Connect router sees it:
 *
 *   POST /v1/sign           → POST /certus.trust.v1.TrustService/Sign            (JSON body)
 *   POST /v1/verify         → POST /certus.trust.v1.TrustService/Verify          (JSON body)
 *   GET  /v1/transparency   → GET  /certus.trust.v1.TrustService/GetTransparency (query → message)
 *   GET  /v1/keys           → GET  /certus.trust.v1.TrustService/GetKeys
 */
import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";

const SERVICE = "/certus.trust.v1.TrustService";

interface Alias {
  method: "GET" | "POST";
  rpc: string;
}

const ALIASES: Record<string, Alias> = {
  "/v1/sign": { method: "POST", rpc: "Sign" },
  "/v1/verify": { method: "POST", rpc: "Verify" },
  "/v1/transparency": { method: "GET", rpc: "GetTransparency" },
  "/v1/keys": { method: "GET", rpc: "GetKeys" },
};

/** Query parameters whose values are repeated fields; every other parameter is a scalar. */
const REPEATED_QUERY_FIELDS = new Set<string>();

/** The outcome of looking at a request's path: not an alias, rewritten, or an alias used wrongly. */
export type AliasResult = { kind: "none" } | { kind: "rewritten" } | { kind: "method-not-allowed"; allow: string };

/**
 * Rewrites `req` when it targets a REST alias. Query parameters of GET aliases become the fields
 * of the request message (camelCase or snake_case names, as proto3 JSON accepts both).
 */
export function rewriteRestAlias(req: IncomingMessage | Http2ServerRequest): AliasResult {
  const raw = req.url ?? "";
  const q = raw.indexOf("?");
  const path = q < 0 ? raw : raw.slice(0, q);
  const alias = ALIASES[path];
  if (alias === undefined) return { kind: "none" };
  if (req.method === "OPTIONS") {
    // CORS preflight for an alias: answered by the CORS layer with the Connect path's rules.
    req.url = `${SERVICE}/${alias.rpc}`;
    return { kind: "rewritten" };
  }
  if (req.method !== alias.method) return { kind: "method-not-allowed", allow: alias.method };
  if (alias.method === "POST") {
    // The aliases speak JSON only. curl -d sends application/x-www-form-urlencoded and fetch
    // sends text/plain unless told otherwise: the body is read as JSON whatever they claim.
    const ct = req.headers["content-type"];
    if (ct === undefined || !ct.startsWith("application/json")) req.headers["content-type"] = "application/json";
    req.url = `${SERVICE}/${alias.rpc}`;
    return { kind: "rewritten" };
  }
  const params = new URLSearchParams(q < 0 ? "" : raw.slice(q + 1));
  const message: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    message[key] = REPEATED_QUERY_FIELDS.has(key) ? values : values[values.length - 1]!;
  }
  const query = new URLSearchParams({ connect: "v1", encoding: "json", message: JSON.stringify(message) });
  req.url = `${SERVICE}/${alias.rpc}?${query.toString()}`;
  return { kind: "rewritten" };
}
