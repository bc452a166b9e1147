/**
 * REST aliases: the seed's paths, served by the same Connect handlers (and so the same
 * interceptors) in proto3 JSON. A request to an alias is rewritten in place into the Connect
 * request it stands for, before the Connect router sees it:
 *
 *   POST /v1/sign           → POST /certus.trust.v1.TrustService/Sign            (JSON body)
 *   POST /v1/verify         → POST /certus.trust.v1.TrustService/Verify          (JSON body)
 *   GET  /v1/transparency   → GET  /certus.trust.v1.TrustService/GetTransparency (query → message)
 *   GET  /v1/keys           → GET  /certus.trust.v1.TrustService/GetKeys
 *   POST /v1/verify-and-permit-upload → VerifyAndPermitUpload, POST /v1/verify-chain → VerifyChain,
 *   GET  /v1/stats → GetStats, GET /v1/ready → GetReadiness,
 *   GET  /v1/provenance/{scan_id} → GetProvenance (the path segment becomes `scan_id`)
 */
import type { Req } from "../http/types.js";

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
  // The Certus services' calls (see certus_integration.proto); the legacy /v1/sign body is
  // routed to LegacySign before this rewrite (certus/http-paths.ts).
  "/v1/verify-and-permit-upload": { method: "POST", rpc: "VerifyAndPermitUpload" },
  "/v1/verify-chain": { method: "POST", rpc: "VerifyChain" },
  "/v1/stats": { method: "GET", rpc: "GetStats" },
  "/v1/ready": { method: "GET", rpc: "GetReadiness" },
};

/** Aliases with one path parameter: `<prefix><value>` → the RPC with `field` set to the value. */
const PARAM_ALIASES: ReadonlyArray<{ prefix: string; field: string } & Alias> = [
  { prefix: "/v1/provenance/", field: "scan_id", method: "GET", rpc: "GetProvenance" },
];

/** Query parameters whose values are repeated fields; every other parameter is a scalar. */
const REPEATED_QUERY_FIELDS = new Set<string>();

/** The outcome of looking at a request's path: not an alias, rewritten, or an alias used wrongly. */
export type AliasResult = { kind: "none" } | { kind: "rewritten" } | { kind: "method-not-allowed"; allow: string };

/**
 * Rewrites `req` when it targets a REST alias. Query parameters of GET aliases become the fields
 * of the request message (camelCase or snake_case names, as proto3 JSON accepts both).
 */
export function rewriteRestAlias(req: Req): AliasResult {
  const raw = req.url ?? "";
  const q = raw.indexOf("?");
  const path = q < 0 ? raw : raw.slice(0, q);
  let alias = ALIASES[path];
  const params = new URLSearchParams(q < 0 ? "" : raw.slice(q + 1));
  if (alias === undefined) {
    const param = PARAM_ALIASES.find((a) => path.startsWith(a.prefix) && path.length > a.prefix.length && !path.slice(a.prefix.length).includes("/"));
    if (param === undefined) return { kind: "none" };
    alias = param;
    let value: string;
    try {
      value = decodeURIComponent(path.slice(param.prefix.length));
    } catch {
      value = path.slice(param.prefix.length);
    }
    params.set(param.field, value);
  }
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
  const message: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    message[key] = REPEATED_QUERY_FIELDS.has(key) ? values : (values.at(-1) ?? "");
  }
  const query = new URLSearchParams({ connect: "v1", encoding: "json", message: JSON.stringify(message) });
  req.url = `${SERVICE}/${alias.rpc}?${query.toString()}`;
  return { kind: "rewritten" };
}
