/** OIDC token verification: re-exports only. */
export { OidcTokenError, type OidcTokenFailure } from "./errors.js";
export { DEFAULT_AUDIENCE, normalizeIssuers, parseIssuerEntries, type OidcIssuer } from "./issuer-config.js";
export {
  DEFAULT_ALGORITHMS,
  DEFAULT_CLOCK_TOLERANCE_SEC,
  DEFAULT_DISCOVERY_MAX_AGE_MS,
  DEFAULT_DISCOVERY_RETRY_MS,
  DEFAULT_FETCH_TIMEOUT_MS,
  DEFAULT_JWKS_COOLDOWN_MS,
  DEFAULT_MAX_TOKEN_CHARS,
  OidcTokenVerifier,
  type OidcTokenVerifierOptions,
  type VerifiedToken,
} from "./token-verifier.js";
