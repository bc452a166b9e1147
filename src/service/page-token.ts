/**
 * Page tokens for paginated lookups: opaque to callers, bound to the query they came from, so a
 * token from one query cannot be replayed against another (that is `invalid_argument`).
 */
import { createHash } from "node:crypto";
import { InvalidArgumentError } from "../errors.js";

function queryTag(query: string): string {
  return createHash("sha256").update(query).digest("base64url").slice(0, 16);
}

/** Encodes "continue after `afterIndex` for `query`". */
export function encodePageToken(query: string, afterIndex: number): string {
  return Buffer.from(JSON.stringify({ q: queryTag(query), a: afterIndex })).toString("base64url");
}

/** Decodes a token; empty means the first page (-1). */
export function decodePageToken(query: string, token: string): number {
  if (token === "") return -1;
  if (token.length > 256) throw new InvalidArgumentError("pageToken", "is not a token this service issued");
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw new InvalidArgumentError("pageToken", "is not a token this service issued");
  }
  const p = parsed as { q?: unknown; a?: unknown } | null;
  if (typeof p !== "object" || p === null || typeof p.q !== "string" || typeof p.a !== "number" || !Number.isSafeInteger(p.a) || p.a < -1) {
    throw new InvalidArgumentError("pageToken", "is not a token this service issued");
  }
  if (p.q !== queryTag(query)) throw new InvalidArgumentError("pageToken", "belongs to a different query; repeat the query that returned it");
  return p.a;
}
