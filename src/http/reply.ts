/**
 * JSON and byte replies, and JSON error replies in the Connect error shape (`{code, message}`), so
 * REST, plain-path and Connect callers parse one format. Every reply states its length.
 */
import type { ServerResponse } from "node:http";
import type { Res } from "./types.js";

/** A JSON body (never cached: answers describe the service's state at the time). */
export function sendJson(res: Res, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  (res as ServerResponse).writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), "cache-control": "no-store", ...headers });
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
