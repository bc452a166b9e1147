/**
 * Plain HTTP paths of the Certus callers that are not RPC aliases, answered before the REST alias
 * rewrite (see `server/http-handler.ts`):
 *
 * - `POST /v1/sign` with the legacy Certus-Integrity body (`artifact` is a string): the body is
 *   read (bounded by the body limit), and the request is routed to the `LegacySign` RPC instead of
 *   `Sign`; the body is handed on unchanged either way;
 * - `GET /v1/health`: liveness in the prototype's shape (`{"status":"healthy","timestamp":…}`);
 * - `GET /v1/keys/{root,targets,snapshot,timestamp}.json`: the TUF roles, served from the
 *   embedded TUF repository (the same bytes as `/tuf/<role>.json`); 404 naming what is missing
 *   while the repository is not open.
 */
import { readAndReplayBody } from "../http/body.js";
import type { ServerResponse } from "node:http";
import { sendJson, sendTooLarge } from "../http/reply.js";
import type { PathHandler } from "../http/types.js";

/** The Connect path the legacy `/v1/sign` body is routed to. */
export const LEGACY_SIGN_PATH = "/certus.trust.v1.TrustService/LegacySign";
const TUF_ROLE = /^\/v1\/keys\/(root|targets|snapshot|timestamp)\.json$/;

export interface CertusPathOptions {
  maxBodyBytes: number;
  /** Reads a TUF metadata file (`root.json`, …); undefined while the repository is not open. */
  tufRead: (name: string) => Promise<Buffer | undefined> | undefined;
}

/** True when `body` is a JSON object whose `artifact` is a string: the legacy Integrity form. */
export function isLegacySignBody(body: Buffer): boolean {
  try {
    const doc = JSON.parse(body.toString("utf8")) as unknown;
    return typeof doc === "object" && doc !== null && !Array.isArray(doc) && typeof (doc as { artifact?: unknown }).artifact === "string";
  } catch {
    return false;
  }
}

/** The path handler; true when it answered the request itself. */
export function certusPathHandler(opts: CertusPathOptions): PathHandler {
  return async (req, res) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (path === "/v1/sign" && req.method === "POST") {
      const encoding = req.headers["content-encoding"];
      if (encoding !== undefined && encoding !== "identity") return false; // the legacy callers never compress
      const body = await readAndReplayBody(req, opts.maxBodyBytes);
      if (body === undefined) {
        sendTooLarge(req, res, `request body is larger than the limit of ${opts.maxBodyBytes} bytes`);
        return true;
      }
      if (isLegacySignBody(body)) {
        req.url = LEGACY_SIGN_PATH;
        req.headers["content-type"] = "application/json";
      }
      return false;
    }
    if (path === "/v1/health" && (req.method === "GET" || req.method === "HEAD")) {
      sendJson(res, 200, { status: "healthy", timestamp: new Date().toISOString() });
      return true;
    }
    const role = TUF_ROLE.exec(path)?.[1];
    if (role !== undefined) {
      if (req.method !== "GET" && req.method !== "HEAD") {
        sendJson(res, 405, { code: "invalid_argument", message: `${req.method} is not allowed on ${path}; use GET` }, { allow: "GET, HEAD" });
        return true;
      }
      const bytes = await opts.tufRead(`${role}.json`);
      if (bytes === undefined) {
        sendJson(res, 404, {
          code: "not_found",
          message: `the TUF ${role} role metadata is not available: the embedded TUF repository is not open; the trusted root is served by GET /v1/keys (trustedRoot)`,
        });
        return true;
      }
      (res as ServerResponse).writeHead(200, { "content-type": "application/json", "content-length": bytes.length, "cache-control": "no-cache" });
      if (req.method === "HEAD") res.end();
      else res.end(bytes);
      return true;
    }
    return false;
  };
}
