/**
 * Builds authentication from the resolved configuration: the configured authenticators, the
 * per-caller rate limiter, the Connect interceptor and the guard for plain HTTP paths.
 */
import type { Req, Res } from "../http/types.js";
import { createContextValues, type ContextValues, type Interceptor } from "@connectrpc/connect";
import { ConfigError } from "../config/config.js";
import type { AuthConfig } from "../config/sections.js";
import { ApiKeyAuthenticator } from "./api-key-authenticator.js";
import type { ApiKeyRecords } from "../state/state-store.js";
import { Authenticator } from "./authenticator.js";
import { PEER, type CallerIdentity } from "./caller.js";
import { guardHttp } from "./http-guard.js";
import { authInterceptor } from "./interceptor.js";
import { MtlsAuthenticator } from "./mtls-authenticator.js";
import { OidcAuthenticator } from "./oidc-authenticator.js";
import { peerOf } from "./peer.js";
import { RateLimiter } from "./rate-limit.js";
import { AuthRulesError, loadAuthRules, NO_RULES } from "./rules.js";
import type { Scope } from "./scopes.js";

export interface AuthLayer {
  readonly authenticator: Authenticator;
  readonly limiter: RateLimiter;
  /** Connect interceptor: authenticate, authorize, rate-limit. */
  readonly interceptor: Interceptor;
  /** Per-request context for the Connect adapter (the peer: address, client certificate). */
  contextValues(req: Req): ContextValues;
  /** For plain HTTP paths: the caller, or undefined once the refusal has been sent. */
  guard(req: Req, res: Res, scope: Scope | undefined, what: string): Promise<CallerIdentity | undefined>;
}

/**
 * @param onRateLimited called for each call refused by the rate limiter (metrics)
 */
export function createAuthLayer(config: AuthConfig, apiKeys: ApiKeyRecords, onRateLimited: () => void = () => {}): AuthLayer {
  let rules = NO_RULES;
  if (config.authRules) {
    try {
      rules = loadAuthRules(config.authRules);
    } catch (err) {
      throw new ConfigError(err instanceof AuthRulesError ? err.message : String(err));
    }
  }
  let oidc: OidcAuthenticator | undefined;
  if (config.auth.includes("oidc")) {
    try {
      oidc = new OidcAuthenticator(config.authOidcIssuers, config.authOidcAudience, rules);
    } catch (err) {
      throw new ConfigError(`authOidcIssuers: ${(err as Error).message}`);
    }
  }
  const authenticator = new Authenticator({
    ...(config.auth.includes("api-key") ? { apiKey: new ApiKeyAuthenticator(apiKeys) } : {}),
    ...(oidc ? { oidc } : {}),
    ...(config.auth.includes("mtls") ? { mtls: new MtlsAuthenticator(rules) } : {}),
  });
  const limiter = new RateLimiter(config.rateLimit, config.rateLimitBurst, onRateLimited);
  // Anonymous callers are limited (per client address) only when the port is open to the
  // network; on loopback they are the operator's own tools and benchmarks.
  const limits = (caller: CallerIdentity) => caller.method !== "anonymous" || config.insecureAllowAnonymous;
  return {
    authenticator,
    limiter,
    interceptor: authInterceptor({ authenticator, limiter, limits }),
    contextValues: (req) => createContextValues().set(PEER, peerOf(req)),
    guard: (req, res, scope, what) => guardHttp({ authenticator, limiter, limits }, req, res, scope, what),
  };
}
