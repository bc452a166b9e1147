/**
 * Interceptors every RPC passes through, whichever protocol or path (REST alias included) it
 * came in on: request id, default deadline, error mapping and the one log line per call.
 */
import { randomUUID } from "node:crypto";
import { Code, ConnectError, type Interceptor, type StreamResponse } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { callerIdOf } from "../auth/caller.js";
import type { Logger } from "../logger.js";
import { callError } from "../http/call-error.js";

/** Which wire protocol a request used, from its content type. */
export function protocolOf(method: string, contentType: string | null): "connect" | "grpc" | "grpc-web" {
  const ct = contentType ?? "";
  if (ct.startsWith("application/grpc-web")) return "grpc-web";
  if (ct.startsWith("application/grpc")) return "grpc";
  return method === "GET" ? "connect" : "connect";
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Every field of a call line besides pino's own (an `error` message string on a refused call). */
export const CALL_LINE_FIELDS = ["requestId", "procedure", "protocol", "code", "durationMs", "caller", "error"] as const;

/**
 * Logs one line per call (request id, procedure, protocol, code, duration, caller), maps domain
 * errors to RPC codes, and gives calls without a deadline the configured default. Unary calls
 * are bounded by racing the handler; streams are bounded by their own client or shutdown.
 */
export function callInterceptor(log: Logger, defaultDeadlineMs: number): Interceptor {
  // The call line's fields (CALL_LINE_FIELDS) are fixed names that hold strings and numbers, none
  // of them a redacted path (logger.ts), so redaction cannot change the line: it goes through a
  // child without redaction, which halves its cost (issue 20). A failure's `err` keeps it.
  const callLog = log.child({}, { redact: [] });
  return (next) => async (req) => {
    const started = performance.now();
    const given = req.header.get("x-request-id");
    const requestId = given !== null && REQUEST_ID.test(given) ? given : randomUUID();
    const protocol = protocolOf(req.requestMethod, req.header.get("content-type"));
    const procedure = `${req.service.typeName}/${req.method.name}`;
    const line = (code: string, err?: ConnectError) => {
      // The caller is known once the auth interceptor (inside this one) has run.
      const caller = callerIdOf(req.contextValues);
      const fields = { requestId, procedure, protocol, code, durationMs: Math.round((performance.now() - started) * 100) / 100, caller };
      if (err === undefined) callLog.info(fields, "call");
      // Abandoned calls are routine (a closed console tab, a stopped watcher, HTTP/2 resets): not
      // faults, and numerous under a reset flood, so they are debug lines.
      else if (err.code === Code.Canceled) callLog.debug(fields, "call cancelled by the client");
      else if (err.code === Code.Internal || err.code === Code.Unknown) log.error({ ...fields, err: err.cause ?? err }, "call failed");
      else callLog.info({ ...fields, error: err.rawMessage }, "call");
    };
    try {
      let res;
      if (!req.stream && req.header.get("grpc-timeout") === null && req.header.get("connect-timeout-ms") === null) {
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new ConnectError(`no answer within the default deadline of ${defaultDeadlineMs} ms`, Code.DeadlineExceeded)),
            defaultDeadlineMs,
          );
        });
        try {
          res = await Promise.race([next(req), deadline]);
        } finally {
          clearTimeout(timer);
        }
      } else {
        res = await next(req);
      }
      res.header.set("x-request-id", requestId);
      if (!res.stream) {
        line("ok");
        return res;
      }
      return { ...res, message: loggedStream(res, line, req.signal) } satisfies StreamResponse;
    } catch (err) {
      const ce = callError(req.signal, err);
      ce.metadata.set("x-request-id", requestId);
      line(codeToString(ce.code), ce);
      throw ce;
    }
  };
}

async function* loggedStream(res: StreamResponse, line: (code: string, err?: ConnectError) => void, signal: AbortSignal) {
  try {
    yield* res.message;
    line("ok");
  } catch (err) {
    const ce = callError(signal, err);
    line(codeToString(ce.code), ce);
    throw ce;
  }
}
