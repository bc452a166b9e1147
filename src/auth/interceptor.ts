/**
 * The one place calls are authenticated and authorized: every RPC (any protocol, REST aliases
 * included) passes this interceptor, which names the caller, checks the scope its procedure needs
 * (`scopes.ts`), then takes a token from the caller's rate-limit bucket. The caller is put in the
 * call's context (`CALLER`) for handlers, audit events and the per-call log line.
 */
import type { Interceptor } from "@connectrpc/connect";
import { authorize, type Authenticator } from "./authenticator.js";
import { CALLER, PEER, PREAUTHENTICATED, type CallerIdentity } from "./caller.js";
import type { RateLimiter } from "./rate-limit.js";
import { requiredScope } from "./scopes.js";

export interface AuthInterceptorOptions {
  authenticator: Authenticator;
  limiter: RateLimiter;
  /** Whether to rate-limit this caller (anonymous loopback callers are not limited). */
  limits: (caller: CallerIdentity) => boolean;
}

export function authInterceptor(opts: AuthInterceptorOptions): Interceptor {
  return (next) => async (req) => {
    const scope = requiredScope(req.service.typeName, req.method.name);
    if (scope === undefined) return next(req);
    const caller =
      req.contextValues.get(PREAUTHENTICATED) ??
      (await opts.authenticator.authenticate({
        authorization: req.header.get("authorization"),
        apiKey: req.header.get("x-api-key"),
        peer: req.contextValues.get(PEER),
      }));
    req.contextValues.set(CALLER, caller);
    authorize(caller, scope, `${req.service.typeName}/${req.method.name}`);
    if (opts.limits(caller)) opts.limiter.take(caller.rateKey);
    return next(req);
  };
}
