/**
 * The OIDC token verifier against a real provider (oidc-provider on a loopback port): genuine ID
 * tokens verify; every refusal carries its stable reason.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OidcTokenError, OidcTokenVerifier } from "../../src/oidc/index.js";
import { startOidcProvider, type TestOidcProvider } from "../helpers/oidc-provider.js";

let idp: TestOidcProvider;
let other: TestOidcProvider;

beforeAll(async () => {
  idp = await startOidcProvider({ clients: [{ clientId: "other-audience", clientSecret: "s3cret" }] });
  other = await startOidcProvider();
});
afterAll(async () => {
  await idp?.stop();
  await other?.stop();
});

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(OidcTokenError);
    return (err as OidcTokenError).reason;
  }
  throw new Error("expected a refusal");
}

describe("OidcTokenVerifier with a real OIDC provider", () => {
  it("verifies an email ID token minted through CIBA, and caches the JWKS", async () => {
    const verifier = new OidcTokenVerifier({ issuers: [{ issuer: idp.issuer }] });
    const token = await idp.mintIdToken({ email: "alice@example.com" });
    const before = idp.jwksRequests;
    const out = await verifier.verify(token);
    expect(out).toMatchObject({ issuer: idp.issuer, identity: "alice@example.com", identityClaim: "email" });
    expect(out.expiresAt.getTime()).toBeGreaterThan(Date.now());
    await verifier.verify(await idp.mintIdToken({ email: "bob@example.com" }));
    expect(idp.jwksRequests - before).toBe(1);
  });

  it("reads sub for identityClaim sub", async () => {
    const verifier = new OidcTokenVerifier({ issuers: [{ issuer: idp.issuer, identityClaim: "sub" }] });
    const out = await verifier.verify(await idp.mintIdToken({ sub: "https://ci.example/workflows/build" }));
    expect(out.identity).toBe("https://ci.example/workflows/build");
  });

  it("refuses with a stable reason", async () => {
    const verifier = new OidcTokenVerifier({ issuers: [{ issuer: idp.issuer }] });
    const good = await idp.mintIdToken({ email: "alice@example.com" });
    expect(await reason(verifier.verify("not a token"))).toBe("TOKEN_MALFORMED");
    expect(await reason(verifier.verify(await other.mintIdToken({ email: "alice@example.com" })))).toBe("ISSUER_NOT_ALLOWED");
    expect(await reason(verifier.verify(await idp.mintIdToken({ email: "alice@example.com", clientId: "other-audience" })))).toBe("AUDIENCE_MISMATCH");
    expect(await reason(verifier.verify(await idp.mintIdToken({ email: "alice@example.com", emailVerified: false })))).toBe("CLAIM_INVALID");
    expect(await reason(verifier.verify(await idp.mintIdToken({ sub: "no-email" })))).toBe("CLAIM_INVALID");
    const [h, p, s] = good.split(".");
    const sig = Buffer.from(s!, "base64url");
    sig[5]! ^= 1;
    expect(await reason(verifier.verify(`${h}.${p}.${sig.toString("base64url")}`))).toBe("SIGNATURE_INVALID");
    // A payload swapped under a valid signature.
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, "base64url").toString()), email: "mallory@example.com" })).toString("base64url");
    expect(await reason(verifier.verify(`${h}.${forged}.${s}`))).toBe("SIGNATURE_INVALID");
    // Expired: the verifier's clock is an hour ahead.
    const later = new OidcTokenVerifier({ issuers: [{ issuer: idp.issuer }], clock: () => new Date(Date.now() + 3_600_000) });
    expect(await reason(later.verify(good))).toBe("TOKEN_EXPIRED");
  });

  it("an unreachable issuer is ISSUER_UNAVAILABLE (code UNAVAILABLE), not a crash", async () => {
    const gone = await startOidcProvider();
    const token = await gone.mintIdToken({ email: "alice@example.com" });
    await gone.stop();
    const verifier = new OidcTokenVerifier({ issuers: [gone.issuer], fetchTimeoutMs: 1000 });
    const err = (await verifier.verify(token).catch((e: unknown) => e)) as OidcTokenError;
    expect(err.reason).toBe("ISSUER_UNAVAILABLE");
    expect(err.code).toBe("UNAVAILABLE");
  });

  it("bad options are a TypeError", () => {
    expect(() => new OidcTokenVerifier({ issuers: ["http://example.com"] })).toThrow(TypeError);
    expect(() => new OidcTokenVerifier({ issuers: [{ issuer: "https://a.example", identityClaim: "name" as never }] })).toThrow(TypeError);
  });
});
