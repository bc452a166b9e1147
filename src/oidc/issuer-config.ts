/**
 * The allow-list of OIDC issuers: which issuers are trusted, the audience their tokens must carry
 * and which claim is the signer's identity. Parsed once from configuration and checked together.
 */
import { isAcceptableEndpoint } from "./discovery.js";

/** Audience Sigstore clients request by default (Fulcio's `client_id`). */
export const DEFAULT_AUDIENCE = "sigstore";

/** One trusted issuer. */
export interface OidcIssuer {
  /** The issuer URL exactly as it appears in tokens' `iss` (https, or http on loopback). */
  readonly issuer: string;
  /** The `aud` value tokens must contain. Default {@link DEFAULT_AUDIENCE}. */
  readonly audience: string;
  /**
   * The claim that names the signer: `email` (then `email_verified` must be true, as Fulcio
   * requires) or `sub` (a URI subject such as a workload or CI identity). Default `email`.
   */
  readonly identityClaim: "email" | "sub";
}

/**
 * Checks and completes issuer entries. Accepts, for each entry, an issuer URL string or an object
 * `{issuer, audience?, identityClaim?}`. Throws `TypeError` naming the entry on a bad value.
 */
export function normalizeIssuers(raw: readonly unknown[]): OidcIssuer[] {
  const seen = new Set<string>();
  return raw.map((entry, i) => {
    const where = `oidcIssuers[${i}]`;
    const obj = typeof entry === "string" ? { issuer: entry } : entry;
    if (typeof obj !== "object" || obj === null || Array.isArray(obj))
      throw new TypeError(`${where}: expected an issuer URL or {issuer, audience, identityClaim}`);
    const { issuer, audience = DEFAULT_AUDIENCE, identityClaim = "email", ...rest } = obj as Record<string, unknown>;
    const unknownKeys = Object.keys(rest);
    if (unknownKeys.length > 0) throw new TypeError(`${where}: unknown key ${JSON.stringify(unknownKeys[0])}`);
    if (typeof issuer !== "string" || !URL.canParse(issuer) || !isAcceptableEndpoint(new URL(issuer))) {
      throw new TypeError(`${where}.issuer: ${JSON.stringify(issuer)} is not an https URL (http is accepted on loopback only)`);
    }
    if (typeof audience !== "string" || audience.length === 0) throw new TypeError(`${where}.audience: expected a non-empty string`);
    if (identityClaim !== "email" && identityClaim !== "sub") throw new TypeError(`${where}.identityClaim: expected "email" or "sub"`);
    if (seen.has(issuer)) throw new TypeError(`${where}.issuer: ${issuer} is listed twice`);
    seen.add(issuer);
    return { issuer, audience, identityClaim };
  });
}

/**
 * Parses the `oidcIssuers` option: each entry is `<issuer URL>` or
 * `<issuer URL>|<audience>|<email|sub>` (audience and claim optional, in that order), e.g.
 * `https://token.actions.githubusercontent.com|sigstore|sub`. Throws `TypeError` on a bad entry.
 */
export function parseIssuerEntries(entries: readonly string[]): OidcIssuer[] {
  return normalizeIssuers(
    entries.map((entry) => {
      const [issuer, audience, identityClaim, ...rest] = entry.split("|").map((s) => s.trim());
      if (rest.length > 0) throw new TypeError(`oidcIssuers: ${JSON.stringify(entry)} has more than issuer|audience|claim`);
      return { issuer, ...(audience ? { audience } : {}), ...(identityClaim ? { identityClaim } : {}) };
    }),
  );
}
