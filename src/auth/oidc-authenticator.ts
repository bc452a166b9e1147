/**
 * Authenticates OIDC bearer tokens with the shared verifier (`oidc/token-verifier.ts`: discovery,
 * JWKS, signature, issuer, audience, expiry). The caller is named by the token's verified email
 * (when `email_verified`) or its subject, with the issuer; its scopes come from the claim rules.
 */
import { OidcTokenVerifier } from "../oidc/index.js";
import type { CallerIdentity } from "./caller.js";
import { scopesForClaims, type AuthRules } from "./rules.js";

/**
 * Clock skew tolerated on `exp`/`nbf` for API callers, seconds. Tighter than the 30 s Fulcio-style
 * default: a bearer token here authorizes every call made with it, not one certificate.
 */
export const AUTH_CLOCK_TOLERANCE_SEC = 5;

export class OidcAuthenticator {
  private readonly verifier: OidcTokenVerifier;

  constructor(
    issuers: readonly string[],
    audience: string,
    private readonly rules: AuthRules,
  ) {
    // The subject is always present; an email is used for the name only when verified (below).
    this.verifier = new OidcTokenVerifier({
      issuers: issuers.map((issuer) => ({ issuer, audience, identityClaim: "sub" as const })),
      clockToleranceSec: AUTH_CLOCK_TOLERANCE_SEC,
    });
  }

  /** The token's caller; rejects with `OidcTokenError` (unauthenticated, or unavailable for issuer outages). */
  async authenticate(token: string): Promise<CallerIdentity> {
    const t = await this.verifier.verify(token);
    const email = t.claims["email"];
    const name = typeof email === "string" && t.claims["email_verified"] === true ? email : t.subject;
    const id = `oidc:${name} (${t.issuer})`;
    return { id, method: "oidc", scopes: scopesForClaims(this.rules, t.issuer, t.claims), rateKey: id };
  }
}
