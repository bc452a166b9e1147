/**
 * The error a call ends with, seen from the caller's side. Shared by the call interceptor (its log
 * line and answer) and the metrics interceptor (its counts), so a client that went away is
 * neither logged nor counted as a server fault.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { toConnectError } from "./error-mapping.js";

/** Node's errors for a peer that went away mid-call (a reset stream, a closed socket). */
const PEER_GONE = new Set([
  "ERR_STREAM_PREMATURE_CLOSE",
  "ECONNRESET",
  "EPIPE",
  "ERR_HTTP2_STREAM_ERROR",
  "ERR_HTTP2_STREAM_CANCEL",
  "ERR_HTTP2_INVALID_STREAM",
  "ERR_STREAM_DESTROYED",
]);

/**
 * The error a call ends with, seen from the caller's side: a call the client abandoned (it
 * cancelled, reset the HTTP/2 stream or closed the connection) is `canceled`, not a server fault,
 * whatever Node reported while writing to nobody ("Premature close"). A deadline stays a deadline.
 */
export function callError(signal: AbortSignal, err: unknown): ConnectError {
  const code = (err as { code?: unknown } | undefined)?.code;
  const abandoned = (signal.aborted && ConnectError.from(signal.reason).code !== Code.DeadlineExceeded) || (typeof code === "string" && PEER_GONE.has(code));
  if (abandoned && !(err instanceof ConnectError && err.code === Code.DeadlineExceeded))
    return new ConnectError("the client cancelled the call", Code.Canceled, undefined, undefined, err);
  return toConnectError(err);
}
