/**
 * HTTP plumbing shared by the Sigstore-compatible endpoints: size-limited body reading, JSON and
 * binary answers, and the two upstream error shapes (Rekor's go-swagger `{code: <HTTP status>,
 * message}` and Fulcio's grpc-gateway `{code: <gRPC code>, message, details: []}`).
 */
import { BodyTooLargeError, readBody as readLimitedBody } from "../../http/body.js";
import { sendJson } from "../../http/reply.js";
import type { Req, Res } from "../../http/types.js";

export type { Req, Res };
export { sendBytes, sendJson } from "../../http/reply.js";

/** A request the compat layer refuses, with the HTTP status and a message safe to show. */
export class CompatHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "CompatHttpError";
  }
}

/**
 * Reads the whole body, refusing (413) more than `maxBytes` without buffering the excess. The
 * refusal is answered (a client streaming 100 MB gets its status); the rest of the body is not
 * read, and an HTTP/1.1 connection is closed after the answer.
 */
export async function readBody(req: Req, maxBytes: number): Promise<Buffer> {
  try {
    return await readLimitedBody(req, maxBytes);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new CompatHttpError(413, err.message, err.headers);
    throw err;
  }
}

/** Parses a JSON body; a parse failure is a 400, never a `SyntaxError` escaping. */
export function parseJsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch {
    throw new CompatHttpError(400, "request body is not valid UTF-8 JSON");
  }
}

/** True when the request's content type (without parameters) is `type`. */
export function hasContentType(req: Req, type: string): boolean {
  const [mediaType = ""] = (req.headers["content-type"] ?? "").split(";");
  return mediaType.trim().toLowerCase() === type;
}

/** Rekor's (and the Sigstore TSA's) error body: go-swagger's `{code, message}` with the HTTP status as code. */
export function sendRekorError(res: Res, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { code: status, message }, headers);
}

/** gRPC status codes Fulcio's grpc-gateway puts in `code`, by HTTP status. */
const GRPC_CODE_BY_STATUS: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 5, 405: 12, 413: 8, 500: 13, 503: 14 };

/** Fulcio's error body (grpc-gateway): `{code: <gRPC code>, message, details: []}`. */
export function sendFulcioError(res: Res, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { code: GRPC_CODE_BY_STATUS[status] ?? 2, message, details: [] }, headers);
}

/** One query parameter, refusing repeats (an ambiguous request is a 400, not a guess). */
export function queryParam(url: URL, name: string): string | undefined {
  const all = url.searchParams.getAll(name);
  if (all.length > 1) throw new CompatHttpError(400, `query parameter ${name} is given more than once`);
  return all[0];
}

/** A non-negative decimal integer parameter within the safe range, or undefined when absent. */
export function integerParam(url: URL, name: string, min: number): number | undefined {
  const raw = queryParam(url, name);
  if (raw === undefined) return undefined;
  if (!/^\d{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw)) || Number(raw) < min) {
    throw new CompatHttpError(400, `${name} must be an integer >= ${min}`);
  }
  return Number(raw);
}
