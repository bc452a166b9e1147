/**
 * A worker's path handler for what only the writer can answer: the TUF repository (`/tuf/`) and
 * the Sigstore-compatible endpoints (Rekor v1 `/api/v1/`, Fulcio v2 `/api/v2/`, the CT log and
 * its legacy `/ct/v1/` paths), which read or write the embedded stack directly. The request is
 * proxied to the writer's private unix socket (`writer.ts`) with its body streamed both ways.
 *
 * The client's address goes in {@link FORWARDED_PEER_HEADER}, which the writer honours only on
 * that socket (only this service's user can connect to it); a copy sent by a client is dropped
 * here first. A client certificate (mTLS) does not cross: on these paths a caller authenticates
 * with its API key or token, or the endpoint treats it as anonymous (as its `gated` mode allows).
 */
import { request, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import { peerOf } from "../auth/peer.js";
import { sendJsonError } from "../http/reply.js";
import type { PathHandler } from "../http/types.js";
import type { Logger } from "../logger.js";

/** Carries the client's address from a worker to the writer's paths socket. */
export const FORWARDED_PEER_HEADER = "x-certus-forwarded-peer";

/** Paths the writer answers. */
export function isWriterPath(path: string): boolean {
  return path.startsWith("/tuf/") || path.startsWith("/api/v1/") || path.startsWith("/api/v2/") || path.startsWith("/ct/") || path.startsWith("/ctlog/");
}

/** Hop-by-hop headers and HTTP/2 pseudo-headers, which do not cross a proxy. */
const HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "http2-settings", "host"]);

function forwardable(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) {
    if (k.startsWith(":") || HOP.has(k) || k === FORWARDED_PEER_HEADER || v === undefined) continue;
    out[k] = v;
  }
  return out;
}

export function forwardPathsHandler(socketPath: string, log: Logger): PathHandler {
  return (req, res) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (!isWriterPath(path)) return false;
    const authority = req.headers[":authority"] ?? req.headers.host ?? "localhost";
    const headers = { ...forwardable(req.headers), host: String(authority), [FORWARDED_PEER_HEADER]: peerOf(req).address };
    return new Promise<boolean>((resolve) => {
      const upstream = request({ socketPath, method: req.method ?? "GET", path: req.url ?? "/", headers, agent: false }, (answer) => {
        const out = forwardable(answer.headers);
        (res as ServerResponse).writeHead(answer.statusCode ?? 502, out);
        answer.pipe(res as NodeJS.WritableStream);
        answer.on("end", () => resolve(true));
        answer.on("error", () => resolve(true));
      });
      upstream.on("error", (err) => {
        log.warn({ err, path }, "the writer did not answer a forwarded request");
        if (!res.headersSent) sendJsonError(res, 503, "unavailable", "writer: not reachable; retry shortly", { "retry-after": "1" });
        else res.destroy();
        resolve(true);
      });
      (req as NodeJS.ReadableStream).pipe(upstream);
    });
  };
}
