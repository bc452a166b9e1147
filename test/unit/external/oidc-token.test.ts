/**
 * The service's own OIDC token in the external mode: cached, renewed before expiry, and read
 * again from a token file when the platform replaces it.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { ServiceTokenSource } from "../../../src/sigstore/external/oidc.js";
import { UpstreamHttp } from "../../../src/sigstore/external/upstream-http.js";
import { tempDir } from "../../helpers/server.js";

const { privateKey } = await generateKeyPair("ES256");
const jwt = (iat: number, exp: number, sub = "svc") =>
  new SignJWT({ sub }).setProtectedHeader({ alg: "ES256" }).setIssuedAt(iat).setExpirationTime(exp).sign(privateKey);

describe("ServiceTokenSource", () => {
  it("client credentials: one fetch while the token is fresh, a new one when a quarter of its life is left", async () => {
    let now = 1_000_000_000_000;
    let fetches = 0;
    const fakeFetch = (async (_url: string, init: RequestInit) => {
      fetches += 1;
      expect(init.body as string).toContain("grant_type=client_credentials");
      const iat = Math.floor(now / 1000);
      return new Response(JSON.stringify({ access_token: await jwt(iat, iat + 600), expires_in: 600 }), { status: 200 });
    }) as typeof fetch;
    const http = new UpstreamHttp({ component: "oidc", baseUrl: "http://127.0.0.1:9", deadlineMs: 1000, fetch: fakeFetch });
    const source = new ServiceTokenSource(
      { kind: "client-credentials", tokenUrl: "http://127.0.0.1:9/token", clientId: "c", clientSecret: "s" },
      http,
      () => now,
    );
    const t1 = await source.token();
    expect(await source.token()).toBe(t1);
    now += 400_000; // 200 s left of 600: more than a quarter
    expect(await source.token()).toBe(t1);
    expect(fetches).toBe(1);
    now += 100_000; // 100 s left: renew
    expect(await source.token()).not.toBe(t1);
    expect(fetches).toBe(2);
  });

  it("a token file is re-read when replaced and refused once expired", async () => {
    const file = join(tempDir(), "token");
    const nowS = Math.floor(Date.now() / 1000);
    writeFileSync(file, await jwt(nowS, nowS + 600, "first"));
    const source = new ServiceTokenSource({ kind: "file", path: file }, undefined);
    const t1 = await source.token();
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(file, await jwt(nowS, nowS + 600, "second"));
    const t2 = await source.token();
    expect(t2).not.toBe(t1);
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(file, await jwt(nowS - 700, nowS - 100));
    await expect(source.token()).rejects.toMatchObject({ code: "UNAVAILABLE", component: "oidc" });
  });
});
