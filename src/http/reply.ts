/**
 * JSON and byte replies, and JSON error replies in the Connect error shape (`{code, message}`), so
 * REST, plain-path and Connect callers parse one format. Every reply states its length.
 */
import type { ServerResponse } from "node:http";
import type { Req, Res } from "./types.js";

/** A JSON body (never cached: answers describe the service's state at the time). */
export function sendJson(res: Res, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  (res as ServerResponse).writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(body);
}

/** A JSON error in the Connect error shape: `code` is the Connect code name (`not_found`, …). */
export function sendJsonError(res: Res, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ code, message });
  (res as ServerResponse).writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Raw bytes with their content type (never cached). */
export function sendBytes(res: Res, status: number, contentType: string, body: Uint8Array | string): void {
  (res as ServerResponse).writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body), "cache-control": "no-store" });
  res.end(body);
}

/**
 * A body over the limit: 413 with `resource_exhausted`. The rest of the body is not read; an
 * HTTP/1.1 connection is closed after the answer rather than drained.
 */
export function sendTooLarge(req: Req, res: Res, message: string): void {
  sendJsonError(res, 413, "resource_exhausted", message, req.httpVersionMajor === 1 ? { connection: "close" } : {});
}

/**
 * A gRPC / gRPC-Web error as a trailers-only response (HTTP 200, `grpc-status` in the headers),
 * so gRPC clients read the status instead of mapping an HTTP error to `internal`.
 */
export function sendGrpcError(req: Req, res: Res, grpcStatus: number, message: string): void {
  const ct = (req.headers["content-type"] ?? "").startsWith("application/grpc-web") ? "application/grpc-web+proto" : "application/grpc";
  (res as ServerResponse).writeHead(200, { "content-type": ct, "grpc-status": String(grpcStatus), "grpc-message": encodeURIComponent(message) });
  res.end();
}
