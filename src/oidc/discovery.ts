/**
 * OpenID Connect discovery (OpenID Connect Discovery 1.0 §4): fetches
 * `<issuer>/.well-known/openid-configuration` and checks that it names the issuer exactly and a
 * usable `jwks_uri`. The document is untrusted input: size-limited, parsed defensively.
 */
import { OidcTokenError } from "./errors.js";

/** Largest discovery document accepted, in bytes. */
export const MAX_DISCOVERY_BYTES = 256 * 1024;

/** The part of a discovery document the verifier needs. */
export interface DiscoveryDocument {
  readonly issuer: string;
  readonly jwksUri: URL;
}

/** True for an `https:` URL, or an `http:` URL on a loopback host (tests, local providers). */
export function isAcceptableEndpoint(url: URL): boolean {
  if (url.protocol === "https:") return true;
  if (url.protocol !== "http:") return false;
  const host = url.hostname;
  return host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The discovery URL of an issuer (a trailing slash on the issuer is not doubled). */
export function discoveryUrl(issuer: string): URL {
  return new URL(`${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`);
}

/** Fetches and checks the discovery document; throws `OidcTokenError` (`ISSUER_UNAVAILABLE`). */
export async function discover(issuer: string, timeoutMs: number, fetchImpl: typeof fetch = fetch): Promise<DiscoveryDocument> {
  const fail = (message: string, cause?: unknown) => new OidcTokenError("ISSUER_UNAVAILABLE", `OIDC discovery for ${issuer}: ${message}`, { cause, issuer });
  let text: string;
  try {
    const res = await fetchImpl(discoveryUrl(issuer), {
      headers: { accept: "application/json" },
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status !== 200) throw fail(`HTTP ${res.status}`);
    const length = Number(res.headers.get("content-length") ?? "0");
    if (length > MAX_DISCOVERY_BYTES) throw fail("document too large");
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.byteLength > MAX_DISCOVERY_BYTES) throw fail("document too large");
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (err) {
    if (err instanceof OidcTokenError) throw err;
    throw fail("request failed", err);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw fail("not JSON", err);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw fail("not a JSON object");
  const { issuer: named, jwks_uri: jwks } = doc as { issuer?: unknown; jwks_uri?: unknown };
  // §4.3: the issuer in the document must be identical to the one used to fetch it.
  if (named !== issuer) throw fail("the document names another issuer");
  if (typeof jwks !== "string" || !URL.canParse(jwks)) throw fail("jwks_uri is missing or not a URL");
  const jwksUri = new URL(jwks);
  if (!isAcceptableEndpoint(jwksUri)) throw fail("jwks_uri must be https (or http on loopback)");
  return { issuer, jwksUri };
}
