/**
 * Verifies OIDC ID tokens (and JWT bearer tokens) from an allow-list of issuers.
 *
 * For each token: the size and shape are checked; the unverified `iss` must be on the allow-list;
 * the issuer's keys are found by OIDC discovery (`<issuer>/.well-known/openid-configuration` →
 * `jwks_uri`) and fetched with jose's `createRemoteJWKSet`, which caches them and re-fetches when a
 * token names an unknown `kid` (key rotation); then the signature (asymmetric algorithms only),
 * `iss` (exact), `aud` (the issuer's configured audience), `exp` (required), `nbf` and `iat` are
 * checked, and the issuer's identity claim is read (`email` requires `email_verified: true`, as
 * Fulcio does). Every refusal is an {@link OidcTokenError} with a stable `reason`.
 *
 * Reuse: one verifier per allow-list, shared by all requests (it holds the caches). It never
 * throws anything but `OidcTokenError` from {@link OidcTokenVerifier.verify}; bad options are a
 * `TypeError` from the constructor.
 *
 * ```ts
 * const verifier = new OidcTokenVerifier({ issuers: [{ issuer: "https://accounts.example", audience: "sigstore", identityClaim: "email" }] });
 * const { identity, issuer } = await verifier.verify(token);
 * ```
 */
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { discover } from "./discovery.js";
import { OidcTokenError } from "./errors.js";
import { normalizeIssuers, type OidcIssuer } from "./issuer-config.js";

/** Largest token accepted, in characters. */
export const DEFAULT_MAX_TOKEN_CHARS = 16 * 1024;
/** Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds. */
export const DEFAULT_CLOCK_TOLERANCE_SEC = 30;
/** Timeout of a discovery or JWKS request, in milliseconds. */
export const DEFAULT_FETCH_TIMEOUT_MS = 5_000;
/** How long a discovery document is reused before it is fetched again, in milliseconds. */
export const DEFAULT_DISCOVERY_MAX_AGE_MS = 60 * 60 * 1000;
/** After a failed discovery, how long before it is tried again, in milliseconds. */
export const DEFAULT_DISCOVERY_RETRY_MS = 5_000;
/**
 * Least time between two JWKS fetches triggered by an unknown `kid`, in milliseconds (jose's
 * `cooldownDuration`): bounds how fast forged `kid`s can make the verifier hit the issuer.
 */
export const DEFAULT_JWKS_COOLDOWN_MS = 30_000;
/** Signature algorithms accepted: asymmetric only (never `none`, never HMAC). */
export const DEFAULT_ALGORITHMS: readonly string[] = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];

/** Options of {@link OidcTokenVerifier}; every one but `issuers` has a documented default. */
export interface OidcTokenVerifierOptions {
  /** The allow-list; entries as in {@link normalizeIssuers} (a URL string or an {@link OidcIssuer}). */
  readonly issuers: readonly (string | (Partial<OidcIssuer> & { issuer: string }))[];
  /** Default {@link DEFAULT_MAX_TOKEN_CHARS}. */
  readonly maxTokenChars?: number;
  /** Seconds. Default {@link DEFAULT_CLOCK_TOLERANCE_SEC}. */
  readonly clockToleranceSec?: number;
  /** Milliseconds. Default {@link DEFAULT_FETCH_TIMEOUT_MS}. */
  readonly fetchTimeoutMs?: number;
  /** Milliseconds. Default {@link DEFAULT_DISCOVERY_MAX_AGE_MS}. */
  readonly discoveryMaxAgeMs?: number;
  /** Milliseconds. Default {@link DEFAULT_DISCOVERY_RETRY_MS}. */
  readonly discoveryRetryMs?: number;
  /** Milliseconds. Default {@link DEFAULT_JWKS_COOLDOWN_MS}. */
  readonly jwksCooldownMs?: number;
  /** Default {@link DEFAULT_ALGORITHMS}. */
  readonly algorithms?: readonly string[];
  /** The current time; default the system clock. */
  readonly clock?: () => Date;
}

/** A verified token: who it names and who vouched for it. */
export interface VerifiedToken {
  /** The allow-listed issuer (`iss`). */
  readonly issuer: string;
  /** The `sub` claim. */
  readonly subject: string;
  /** The signer's identity: the issuer's identity claim (an email address, or `sub`). */
  readonly identity: string;
  /** Which claim `identity` came from. */
  readonly identityClaim: "email" | "sub";
  /** When the token expires. */
  readonly expiresAt: Date;
  /** Every claim of the verified payload, for callers that need more (groups, client id). */
  readonly claims: Readonly<JWTPayload>;
}

interface KeySource {
  readonly keys: JWTVerifyGetKey;
  readonly fetchedAt: number;
}

type CacheSlot = { kind: "ok"; source: KeySource } | { kind: "failed"; error: OidcTokenError; at: number } | { kind: "pending"; promise: Promise<KeySource> };

export class OidcTokenVerifier {
  /** The allow-list, normalised. */
  readonly issuers: readonly OidcIssuer[];
  readonly #byIssuer: ReadonlyMap<string, OidcIssuer>;
  readonly #cache = new Map<string, CacheSlot>();
  readonly #maxTokenChars: number;
  readonly #clockToleranceSec: number;
  readonly #fetchTimeoutMs: number;
  readonly #discoveryMaxAgeMs: number;
  readonly #discoveryRetryMs: number;
  readonly #jwksCooldownMs: number;
  readonly #algorithms: string[];
  readonly #clock: () => Date;

  constructor(options: OidcTokenVerifierOptions) {
    // Checked for JavaScript callers and configuration read from files, whatever the types say.
    if (!Array.isArray((options as Partial<OidcTokenVerifierOptions> | null)?.issuers)) {
      throw new TypeError("OidcTokenVerifier: issuers must be an array");
    }
    this.issuers = normalizeIssuers(options.issuers);
    this.#byIssuer = new Map(this.issuers.map((i) => [i.issuer, i]));
    const positive = (name: string, v: number | undefined, def: number, min = 1): number => {
      if (v === undefined) return def;
      if (!Number.isFinite(v) || v < min) throw new TypeError(`OidcTokenVerifier: ${name} must be a number >= ${min}`);
      return v;
    };
    this.#maxTokenChars = positive("maxTokenChars", options.maxTokenChars, DEFAULT_MAX_TOKEN_CHARS);
    this.#clockToleranceSec = positive("clockToleranceSec", options.clockToleranceSec, DEFAULT_CLOCK_TOLERANCE_SEC, 0);
    this.#fetchTimeoutMs = positive("fetchTimeoutMs", options.fetchTimeoutMs, DEFAULT_FETCH_TIMEOUT_MS);
    this.#discoveryMaxAgeMs = positive("discoveryMaxAgeMs", options.discoveryMaxAgeMs, DEFAULT_DISCOVERY_MAX_AGE_MS);
    this.#discoveryRetryMs = positive("discoveryRetryMs", options.discoveryRetryMs, DEFAULT_DISCOVERY_RETRY_MS, 0);
    this.#jwksCooldownMs = positive("jwksCooldownMs", options.jwksCooldownMs, DEFAULT_JWKS_COOLDOWN_MS, 0);
    this.#algorithms = [...(options.algorithms ?? DEFAULT_ALGORITHMS)];
    if (this.#algorithms.length === 0 || this.#algorithms.some((a) => a === "none" || /^HS/i.test(a))) {
      throw new TypeError("OidcTokenVerifier: algorithms must be a non-empty list of asymmetric algorithms");
    }
    this.#clock = options.clock ?? (() => new Date());
  }

  /** True when at least one issuer is allowed (with none, every token is refused). */
  get enabled(): boolean {
    return this.issuers.length > 0;
  }

  /** Verifies `token`; resolves with who it names, or rejects with an {@link OidcTokenError}. */
  async verify(token: string): Promise<VerifiedToken> {
    if (typeof token !== "string" || token.length === 0 || token.length > this.#maxTokenChars || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) {
      throw new OidcTokenError("TOKEN_MALFORMED", `the token is not a compact JWS of at most ${this.#maxTokenChars} characters`);
    }
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch (err) {
      throw new OidcTokenError("TOKEN_MALFORMED", "the token's payload is not a JSON object", { cause: err });
    }
    const claimed = unverified.iss;
    const config = typeof claimed === "string" ? this.#byIssuer.get(claimed) : undefined;
    if (config === undefined) {
      throw new OidcTokenError(
        "ISSUER_NOT_ALLOWED",
        "the token's issuer is not trusted by this service",
        typeof claimed === "string" ? { issuer: claimed.slice(0, 256) } : undefined,
      );
    }
    const source = await this.#keysFor(config.issuer);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, source.keys, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: this.#algorithms,
        clockTolerance: this.#clockToleranceSec,
        currentDate: this.#clock(),
        requiredClaims: ["exp", "sub"],
      }));
    } catch (err) {
      throw translate(err, config.issuer);
    }
    return this.#identity(payload, config);
  }

  #identity(payload: JWTPayload, config: OidcIssuer): VerifiedToken {
    const bad = (message: string) => new OidcTokenError("CLAIM_INVALID", message, { issuer: config.issuer });
    const sub = payload.sub;
    if (typeof sub !== "string" || sub.length === 0) throw bad("the token has no usable sub claim");
    let identity: string;
    if (config.identityClaim === "email") {
      const email = payload["email"];
      if (typeof email !== "string" || !/^[^\s@]+@[^\s@]+$/.test(email)) throw bad("the token has no usable email claim");
      // Fulcio refuses unverified addresses: anyone can type an address into an account form.
      if (payload["email_verified"] !== true) throw bad("the token's email address is not verified (email_verified is not true)");
      identity = email;
    } else {
      identity = sub;
    }
    return {
      issuer: config.issuer,
      subject: sub,
      identity,
      identityClaim: config.identityClaim,
      expiresAt: new Date((payload.exp ?? 0) * 1000),
      claims: payload,
    };
  }

  /** The issuer's key set, discovering it on first use, again after max age, and after a failure once the retry delay passed. */
  async #keysFor(issuer: string): Promise<KeySource> {
    const now = Date.now();
    const slot = this.#cache.get(issuer);
    if (slot?.kind === "ok" && now - slot.source.fetchedAt < this.#discoveryMaxAgeMs) return slot.source;
    if (slot?.kind === "pending") return slot.promise;
    if (slot?.kind === "failed" && now - slot.at < this.#discoveryRetryMs) throw slot.error;
    const previous = slot?.kind === "ok" ? slot.source : undefined;
    const promise = discover(issuer, this.#fetchTimeoutMs).then((doc) => ({
      keys: createRemoteJWKSet(doc.jwksUri, { timeoutDuration: this.#fetchTimeoutMs, cooldownDuration: this.#jwksCooldownMs }),
      fetchedAt: Date.now(),
    }));
    this.#cache.set(issuer, { kind: "pending", promise });
    try {
      const source = await promise;
      this.#cache.set(issuer, { kind: "ok", source });
      return source;
    } catch (err) {
      const error =
        err instanceof OidcTokenError ? err : new OidcTokenError("ISSUER_UNAVAILABLE", `OIDC discovery for ${issuer} failed`, { cause: err, issuer });
      // An expired document that was fine before stays in use while the issuer is unreachable.
      if (previous !== undefined) {
        this.#cache.set(issuer, { kind: "ok", source: { ...previous, fetchedAt: Date.now() - this.#discoveryMaxAgeMs + this.#discoveryRetryMs } });
        return previous;
      }
      this.#cache.set(issuer, { kind: "failed", error, at: Date.now() });
      throw error;
    }
  }
}

/** jose's typed errors → our reasons. */
function translate(err: unknown, issuer: string): OidcTokenError {
  const make = (reason: ConstructorParameters<typeof OidcTokenError>[0], message: string) => new OidcTokenError(reason, message, { cause: err, issuer });
  if (err instanceof joseErrors.JWTExpired) return make("TOKEN_EXPIRED", "the token has expired");
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case "aud":
        return make("AUDIENCE_MISMATCH", "the token's audience is not the one this service expects");
      case "nbf":
      case "iat":
        return err.reason === "check_failed"
          ? make("TOKEN_NOT_YET_VALID", `the token is not valid yet (${err.claim})`)
          : make("CLAIM_INVALID", `the token's ${err.claim} claim is invalid`);
      default:
        return make("CLAIM_INVALID", `the token's ${err.claim} claim is ${err.reason === "missing" ? "missing" : "invalid"}`);
    }
  }
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid) {
    return make("ISSUER_UNAVAILABLE", "the issuer's keys could not be fetched");
  }
  if (
    err instanceof joseErrors.JWSSignatureVerificationFailed ||
    err instanceof joseErrors.JWKSNoMatchingKey ||
    err instanceof joseErrors.JWKSMultipleMatchingKeys ||
    err instanceof joseErrors.JOSEAlgNotAllowed ||
    err instanceof joseErrors.JOSENotSupported
  ) {
    return make("SIGNATURE_INVALID", "no key of the issuer verifies the token's signature");
  }
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid || err instanceof joseErrors.JWKInvalid) {
    return make("TOKEN_MALFORMED", "the token is malformed");
  }
  // A network failure while jose fetched the JWKS surfaces as a plain error.
  return make("ISSUER_UNAVAILABLE", "the issuer's keys could not be fetched");
}
