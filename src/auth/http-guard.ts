/**
 * The same authentication, scope and rate-limit check as the interceptor, for paths served
 * outside the Connect router (/mcp, /metrics, and any endpoint that takes the caller's word).
 * Refusals are written in the service's one JSON error shape with the matching HTTP status.
 */
import { codeToHttpStatus, codeToString } from "@connectrpc/connect/protocol-connect";
import { sendJsonError } from "../http/reply.js";
import { toConnectError } from "../http/error-mapping.js";
import type { Req, Res } from "../http/types.js";
import { authorize, type Authenticator } from "./authenticator.js";
import type { CallerIdentity } from "./caller.js";
import { peerOf } from "./peer.js";
import type { RateLimiter } from "./rate-limit.js";
import type { Scope } from "./scopes.js";

export interface HttpGuardOptions {
  authenticator: Authenticator;
  limiter: RateLimiter;
  limits: (caller: CallerIdentity) => boolean;
}

function header(req: Req, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Authenticates the request and checks `scope` (none: any authenticated caller). Returns the
 * caller, or undefined after answering the request with the refusal.
 */
export async function guardHttp(opts: HttpGuardOptions, req: Req, res: Res, scope: Scope | undefined, what: string): Promise<CallerIdentity | undefined> {
  try {
    const caller = await opts.authenticator.authenticate({ authorization: header(req, "authorization"), apiKey: header(req, "x-api-key"), peer: peerOf(req) });
    if (scope !== undefined) authorize(caller, scope, what);
    if (opts.limits(caller)) opts.limiter.take(caller.rateKey);
    return caller;
  } catch (err) {
    const ce = toConnectError(err);
    const headers: Record<string, string> = {};
    ce.metadata.forEach((v, k) => void (headers[k] = v));
    if (codeToString(ce.code) === "unauthenticated") headers["www-authenticate"] = 'Bearer realm="certus-trust"';
    sendJsonError(res, codeToHttpStatus(ce.code), codeToString(ce.code), ce.rawMessage, headers);
    return undefined;
  }
}
