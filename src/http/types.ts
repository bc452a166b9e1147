/**
 * The request and response types of every plain HTTP path, for HTTP/1.1 and HTTP/2 alike (the
 * one port serves both), and the path-handler shape the server chains before the RPC router.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";

export type Req = IncomingMessage | Http2ServerRequest;
export type Res = ServerResponse | Http2ServerResponse;

/** A handler for one set of paths: resolves true when it answered, false to let the next one try. */
export type PathHandler = (req: Req, res: Res) => boolean | Promise<boolean>;
