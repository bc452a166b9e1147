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

/**
 * A request body larger than the limit: answer 413. The rest of the body is not read, so an
 * HTTP/1.1 connection must be closed after the answer (`headers` says so) rather than drained.
 */
export class BodyTooLargeError extends Error {
  readonly status = 413;

  constructor(
    readonly maxBytes: number,
    /** Headers the 413 answer must carry (`connection: close` on HTTP/1.1). */
    readonly headers: Record<string, string> = {},
  ) {
    super(`request body exceeds ${maxBytes} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/**
 * Reads the whole body; throws {@link BodyTooLargeError} beyond `maxBytes` and stops reading. The
 * request is not destroyed, so the caller still answers it (a client streaming 100 MB gets its 413).
 */
export async function readBody(req: Req, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => new BodyTooLargeError(maxBytes, req.httpVersionMajor === 1 ? { connection: "close" } : {});
  const declared = Number(req.headers["content-length"] ?? "0");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of (req as IncomingMessage).iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) throw tooLarge();
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
  // A body an earlier layer read is replayed through the iterator it installed; a fresh one is
  // read so that stopping early does not destroy the request (the caller still answers it, 413).
  const replayed = Object.prototype.hasOwnProperty.call(req, Symbol.asyncIterator);
  const source = replayed ? (req as AsyncIterable<Buffer>) : ((req as IncomingMessage).iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>);
  for await (const chunk of source) {
    total += chunk.length;
    if (total > maxBytes) return undefined;
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);
  Object.defineProperty(req, Symbol.asyncIterator, {
    configurable: true,
    // An async generator is how the replayed body stays an async iterable like the stream's own;
    // its one chunk is already in memory, so there is nothing to await.
    // eslint-disable-next-line @typescript-eslint/require-await
    value: async function* () {
      if (body.length > 0) yield body;
    },
  });
  return body;
}
