/**
 * A cheap check of JSON request bodies before any parser sees them: the body is read (bounded by
 * the body limit) and scanned once, byte by byte, for nesting depth and string length. A hostile
 * body (a million nested arrays, a 4 MiB key) is refused with `invalid_argument` without being
 * parsed; a good one is handed on unchanged to the Connect router.
 */
import { isUtf8 } from "node:buffer";
import { readAndReplayBody } from "./body.js";
import type { Req } from "./types.js";

/** Deepest nesting of objects and arrays accepted (bundles are 6 levels deep, trusted roots 7). */
export const MAX_JSON_DEPTH = 64;
/**
 * Longest JSON string accepted, in bytes as sent (escapes included). Inline artifact content is
 * base64 in one string, so this bounds inline artifacts at about 768 KiB; larger ones are sent
 * by digest.
 */
export const MAX_JSON_STRING_BYTES = 1024 * 1024;

/** Why a JSON body is out of bounds, or undefined. Does not validate the JSON otherwise. */
export function scanJsonBounds(body: Uint8Array, maxDepth = MAX_JSON_DEPTH, maxString = MAX_JSON_STRING_BYTES): string | undefined {
  let depth = 0;
  let inString = false;
  let stringStart = 0;
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    if (b === undefined) break; // cannot happen: i < body.length
    if (inString) {
      if (b === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (b === 0x22) {
        inString = false;
        if (i - stringStart > maxString) return `a string of ${i - stringStart} bytes; at most ${maxString} are accepted`;
      }
      continue;
    }
    if (b === 0x22) {
      inString = true;
      stringStart = i + 1;
    } else if (b === 0x7b || b === 0x5b) {
      if (++depth > maxDepth) return `nested deeper than ${maxDepth} levels`;
    } else if (b === 0x7d || b === 0x5d) {
      depth--;
    }
  }
  if (inString && body.length - stringStart > maxString) return `a string of more than ${maxString} bytes`;
  return undefined;
}

/** The outcome of reading and checking a body. */
export type PrecheckResult = { ok: true } | { ok: false; code: "resource_exhausted" | "invalid_argument"; message: string };

/**
 * Reads the body of a JSON request, checks it, and makes it readable again for the next handler.
 * Requests that are not plain JSON (binary, enveloped streams, compressed) are left alone.
 */
export async function precheckJsonBody(req: Req, maxBodyBytes: number): Promise<PrecheckResult> {
  const ct = req.headers["content-type"] ?? "";
  if (req.method !== "POST" || !ct.startsWith("application/json")) return { ok: true };
  const encoding = req.headers["content-encoding"];
  if (encoding !== undefined && encoding !== "identity") return { ok: true };
  const body = await readAndReplayBody(req, maxBodyBytes);
  if (body === undefined) return { ok: false, code: "resource_exhausted", message: `request body is larger than the limit of ${maxBodyBytes} bytes` };
  const problem = jsonBodyProblem(body);
  if (problem) return { ok: false, code: "invalid_argument", message: `request body: ${problem}` };
  return { ok: true };
}

/**
 * Why a JSON body is refused before parsing, or undefined: nesting, string length, and invalid
 * UTF-8 (JSON must be UTF-8; decoding would silently turn bad bytes into U+FFFD, which would then
 * be signed as if the caller had sent it).
 */
export function jsonBodyProblem(body: Buffer): string | undefined {
  if (!isUtf8(body)) return "contains invalid UTF-8";
  return scanJsonBounds(body);
}
