/**
 * The service's own OIDC token, the credential Fulcio certifies its identity from: from a
 * client-credentials grant at a token endpoint (`client_secret_post`), or from a file a platform
 * keeps fresh (a Kubernetes projected service-account token). Cached and renewed before expiry:
 * a token is reused while more than a quarter of its lifetime (and at least a minute) is left.
 */
import { readFileSync, statSync } from "node:fs";
import { decodeJwt } from "jose";
import { TrustError, UnavailableError } from "../../errors.js";
import { DefinitiveError, TransientUpstreamError } from "./retrying-call.js";
import { jsonBody, snippet, type UpstreamHttp } from "./upstream-http.js";

/** Least lifetime left for a cached token to be reused, in milliseconds. */
export const MIN_TOKEN_LIFETIME_LEFT_MS = 60_000;
/** Largest token accepted, in characters. */
const MAX_TOKEN_CHARS = 16 * 1024;

/** Where the token comes from. */
export type TokenSourceConfig =
  { kind: "client-credentials"; tokenUrl: string; clientId: string; clientSecret: string; scope?: string } | { kind: "file"; path: string };

/** A token and when it stops being usable. */
interface CachedToken {
  readonly token: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export class ServiceTokenSource {
  #cached: CachedToken | undefined;
  #pending: Promise<CachedToken> | undefined;
  #fileMtimeMs = -1;

  constructor(
    private readonly config: TokenSourceConfig,
    /** The token endpoint's client (component `oidc`); unused for a token file. */
    private readonly http: UpstreamHttp | undefined,
    private readonly now: () => number = Date.now,
  ) {
    if (config.kind === "client-credentials" && http === undefined) throw new TypeError("a client-credentials token source needs an HTTP client");
  }

  /** A token with time left; fetched (or re-read) when the cached one is due for renewal. */
  async token(signal?: AbortSignal): Promise<string> {
    if (this.config.kind === "file") return this.#fromFile(this.config.path).token;
    const c = this.#cached;
    if (c && !this.#due(c)) return c.token;
    this.#pending ??= this.#fetch(signal).finally(() => (this.#pending = undefined));
    return (await this.#pending).token;
  }

  /** Forgets the cached token (Fulcio refused it; the next call gets a fresh one). */
  invalidate(): void {
    this.#cached = undefined;
    this.#fileMtimeMs = -1;
  }

  #due(c: CachedToken): boolean {
    const left = c.expiresAt - this.now();
    return left < Math.max(MIN_TOKEN_LIFETIME_LEFT_MS, (c.expiresAt - c.issuedAt) / 4);
  }

  #fromFile(path: string): CachedToken {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(path).mtimeMs;
      if (this.#cached === undefined || mtimeMs !== this.#fileMtimeMs) {
        const text = readFileSync(path, "utf8").trim();
        this.#cached = parseToken(text, this.now());
        this.#fileMtimeMs = mtimeMs;
      }
    } catch (err) {
      if (err instanceof TrustError) throw err;
      throw new UnavailableError("oidc", `the token file cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})`, { cause: err });
    }
    if (this.#cached.expiresAt <= this.now()) throw new UnavailableError("oidc", "the token file holds an expired token; is it still being refreshed?");
    return this.#cached;
  }

  async #fetch(signal?: AbortSignal): Promise<CachedToken> {
    const cfg = this.config as Extract<TokenSourceConfig, { kind: "client-credentials" }>;
    const form = new URLSearchParams({ grant_type: "client_credentials", client_id: cfg.clientId, client_secret: cfg.clientSecret });
    if (cfg.scope) form.set("scope", cfg.scope);
    const http = this.http;
    if (!http) throw new TypeError("a client-credentials token source needs an HTTP client");
    const token = await http.call(
      cfg.tokenUrl,
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: form.toString(),
        ...(signal ? { signal } : {}),
      },
      (res) => {
        if (res.status !== 200) {
          throw new DefinitiveError(new UnavailableError("oidc", `the token endpoint refused the client credentials (HTTP ${res.status}${snippet(res.body)})`));
        }
        const json = jsonBody(res, "the token response") as Record<string, unknown>;
        // An ID token if the provider issues one with the grant, else the (JWT) access token.
        const raw = typeof json["id_token"] === "string" ? json["id_token"] : json["access_token"];
        if (typeof raw !== "string") throw new TransientUpstreamError("the token response has no access_token");
        try {
          return parseToken(raw, this.now(), typeof json["expires_in"] === "number" ? json["expires_in"] : undefined);
        } catch (err) {
          throw new DefinitiveError(err as TrustError);
        }
      },
    );
    this.#cached = token;
    return token;
  }
}

/** Checks a token's shape and reads its lifetime (JWT `exp`, else `expires_in`). */
function parseToken(token: string, now: number, expiresInSec?: number): CachedToken {
  if (token.length === 0 || token.length > MAX_TOKEN_CHARS || !/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) {
    throw new UnavailableError("oidc", "the identity token is not a JWT");
  }
  let exp: number | undefined;
  let iat: number | undefined;
  try {
    const claims = decodeJwt(token);
    exp = typeof claims.exp === "number" ? claims.exp * 1000 : undefined;
    iat = typeof claims.iat === "number" ? claims.iat * 1000 : undefined;
  } catch (err) {
    throw new UnavailableError("oidc", "the identity token's payload cannot be read", { cause: err });
  }
  const expiresAt = exp ?? (expiresInSec !== undefined ? now + expiresInSec * 1000 : undefined);
  if (expiresAt === undefined) throw new UnavailableError("oidc", "the identity token has no expiry (exp)");
  return { token, issuedAt: Math.min(iat ?? now, now), expiresAt };
}
