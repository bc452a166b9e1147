/**
 * Reading request bodies, never past a limit:
 *
 * - {@link readBody} for a path that consumes the body itself (the Sigstore-compatible APIs): more
 *   than the limit is a {@link BodyTooLargeError} (413) without buffering the excess;
 * - {@link readAndReplayBody} for a layer that looks at a body ahead of the Connect router
 *   (prechecks, the legacy /v1/sign detection) and hands the same bytes on: the router reads
 *   requests as async iterables, so the read body is replayed through that interface. A body is
 *   read at most once per layer that needs to look at it.
 */
import type { IncomingMessage } from "node:http";
import type { Req } from "./types.js";

/** A request body larger than the limit: answer 413. */
export class BodyTooLargeError extends Error {
  readonly status = 413;

  constructor(readonly maxBytes: number) {
    super(`request body exceeds ${maxBytes} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/** Reads the whole body; throws {@link BodyTooLargeError} beyond `maxBytes` (and stops reading). */
export async function readBody(req: Req, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (Number.isFinite(declared) && declared > maxBytes) throw new BodyTooLargeError(maxBytes);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      // Stop reading; the connection is not reused (the rest of the body is unread).
      (req as IncomingMessage).destroy?.();
      throw new BodyTooLargeError(maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** Reads the whole body, or undefined once it exceeds `maxBytes`; the body is readable again afterwards. */
export async function readAndReplayBody(req: Req, maxBytes: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > maxBytes) return undefined;
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) return undefined;
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);
  Object.defineProperty(req, Symbol.asyncIterator, {
    configurable: true,
    value: async function* () {
      if (body.length > 0) yield body;
    },
  });
  return body;
}
