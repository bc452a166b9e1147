/**
 * Reading a request body ahead of the Connect router (prechecks, the legacy /v1/sign detection)
 * and handing the same bytes on: the router reads requests as async iterables, so the read body is
 * replayed through that interface. A body is read at most once per layer that needs to look at it,
 * and never past the configured limit.
 */
import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";

type Req = IncomingMessage | Http2ServerRequest;

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
