/**
 * OIDC bearer tokens from a real OpenID provider process (oidc-provider): a token for the
 * configured audience whose claims earn the `sign` scope signs and is named in the audit trail;
 * one whose claims earn only `verify` is refused Sign (403); an expired token and a token for
 * another audience are unauthenticated (401).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOidcProvider, type TestOidcProvider } from "../helpers/oidc-provider.js";
import { startTestServer, tempDir, type TestServer } from "../helpers/server.js";
import type { WireJson } from "../helpers/wire-json.js";

const DIGEST = `sha256:${"cd".repeat(32)}`;
const AUDIENCE = "certus-trust";

let idp: TestOidcProvider;
let shortLived: TestOidcProvider;
let srv: TestServer;

async function sign(token: string | undefined) {
  const res = await fetch(`${srv.url}/v1/sign`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ artifact: { digest: DIGEST } }),
  });
  return { status: res.status, json: (await res.json()) as WireJson };
}

beforeAll(async () => {
  const client = { clientId: AUDIENCE, clientSecret: "test-secret-certus-trust" };
  idp = await startOidcProvider({ clients: [client] });
  shortLived = await startOidcProvider({ clients: [client], idTokenTtlSec: 1 });
  const dir = tempDir();
  const rules = join(dir, "auth-rules.yaml");
  writeFileSync(
    rules,
    [
      "oidc:",
      "  - claims: { email: signer@example.com }",
      "    scopes: [sign, verify, read]",
      "  - claims: { email: reader@example.com }",
      "    scopes: [verify, read]",
      "",
    ].join("\n"),
  );
  srv = await startTestServer({ auth: "oidc", "auth-oidc-issuers": `${idp.issuer},${shortLived.issuer}`, "auth-oidc-audience": AUDIENCE, "auth-rules": rules });
});
afterAll(async () => {
  await srv?.stop();
  await idp?.stop();
  await shortLived?.stop();
});

describe("OIDC bearer tokens", () => {
  it("no token: unauthenticated", async () => {
    const r = await sign(undefined);
    expect(r.status).toBe(401);
    expect(r.json.message).toMatch(/OIDC token/);
  });

  it("a token whose claims grant sign signs, and the audit event names the identity", async () => {
    const token = await idp.mintIdToken({ email: "signer@example.com", clientId: AUDIENCE });
    const r = await sign(token);
    expect(r.status).toBe(200);
    const caller = `oidc:signer@example.com (${idp.issuer})`;
    const statement = JSON.parse(Buffer.from(r.json.bundle.dsseEnvelope.payload, "base64").toString());
    expect(statement.predicate.requester).toBe(caller);
    await new Promise((res) => setTimeout(res, 50));
    const events = readFileSync(join(srv.dataDir, "audit.log"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events.at(-1)).toMatchObject({ action: "sign", verdict: "allowed", caller });
  });

  it("a token whose claims grant only verify may not Sign (403)", async () => {
    const token = await idp.mintIdToken({ email: "reader@example.com", clientId: AUDIENCE });
    const r = await sign(token);
    expect(r.status).toBe(403);
    expect(r.json.code).toBe("permission_denied");
  });

  it("a token for another audience is unauthenticated", async () => {
    const token = await idp.mintIdToken({ email: "signer@example.com" }); // aud = sigstore
    const r = await sign(token);
    expect(r.status).toBe(401);
    expect(r.json.message).toMatch(/audience/);
  });

  it("a token from an issuer that is not configured is unauthenticated", async () => {
    const other = await startOidcProvider({ clients: [{ clientId: AUDIENCE, clientSecret: "x-secret" }] });
    try {
      const r = await sign(await other.mintIdToken({ email: "signer@example.com", clientId: AUDIENCE }));
      expect(r.status).toBe(401);
      expect(r.json.message).toMatch(/issuer/);
    } finally {
      await other.stop();
    }
  });

  it("an expired token is unauthenticated", async () => {
    const token = await shortLived.mintIdToken({ email: "signer@example.com", clientId: AUDIENCE });
    expect((await sign(token)).status).toBe(200);
    // 1 s lifetime + the 5 s clock tolerance for API callers.
    await new Promise((res) => setTimeout(res, 7_000));
    const r = await sign(token);
    expect(r.status).toBe(401);
    expect(r.json.message).toMatch(/expired/);
  });
});
