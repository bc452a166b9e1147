/**
 * Why an OIDC token was refused: one typed error with a closed set of reasons. Tests and callers
 * branch on `reason`, never on the message. The message is safe to show the caller (it names the
 * failed check, never key material); the underlying jose or network error is kept as `cause`.
 */
import { TrustError } from "../errors.js";

/** The closed set of reasons a token is refused. */
export type OidcTokenFailure =
  /** Not a compact JWS, too large, or its payload is not a JSON object. */
  | "TOKEN_MALFORMED"
  /** The `iss` claim names an issuer that is not on the allow-list. */
  | "ISSUER_NOT_ALLOWED"
  /** The issuer's discovery document or JWKS could not be fetched or is invalid (transient). */
  | "ISSUER_UNAVAILABLE"
  /** No key of the issuer verifies the signature, or the algorithm is not allowed. */
  | "SIGNATURE_INVALID"
  /** `exp` is in the past (beyond the clock tolerance). */
  | "TOKEN_EXPIRED"
  /** `nbf` or `iat` is in the future (beyond the clock tolerance). */
  | "TOKEN_NOT_YET_VALID"
  /** `aud` does not contain the audience configured for the issuer. */
  | "AUDIENCE_MISMATCH"
  /** A required claim (`exp`, `sub`, the identity claim, `email_verified`) is missing or unusable. */
  | "CLAIM_INVALID";

/**
 * A refused token. `code` (the domain code) is `UNAUTHENTICATED`, except for
 * `ISSUER_UNAVAILABLE`, which is `UNAVAILABLE`: the caller may retry.
 */
export class OidcTokenError extends TrustError {
  readonly reason: OidcTokenFailure;
  /** The issuer the token claimed, when it could be read. */
  readonly issuer: string | undefined;

  constructor(reason: OidcTokenFailure, message: string, options?: { cause?: unknown; issuer?: string }) {
    super(reason === "ISSUER_UNAVAILABLE" ? "UNAVAILABLE" : "UNAUTHENTICATED", message, options);
    this.name = "OidcTokenError";
    this.reason = reason;
    this.issuer = options?.issuer;
  }
}
