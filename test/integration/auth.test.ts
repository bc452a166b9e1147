/**
 * Authentication and authorization with API keys: no credentials → unauthenticated (401), a key
 * without the scope → permission_denied (403), a key with it works and the caller it names is
 * what the audit event, the outer statement and the call's log line record. Probes stay open;
 * per-caller rate limits; a non-loopback host starts once authentication is on.
 */
import { execFile } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseApiKey } from "../../src/auth/api-key-format.js";
import { ApiKeyStore } from "../../src/state/file/api-key-store.js";
import { REPO_ROOT, spawnCliServer, startTestServer, tempDir, type TestServer } from "../helpers/server.js";
import { execFailure } from "../helpers/cli.js";
import type { WireJson } from "../helpers/wire-json.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;

let srv: TestServer;
let dataDir: string;
const keys: Record<string, { id: string; key: string }> = {};

function makeKey(dir: string, name: string, scopes: ("sign" | "verify" | "read" | "admin")[]) {
  const { record, key } = ApiKeyStore.open(dir).create(name, scopes);
  return { id: record.id, key };
}

async function call(path: string, body: unknown, headers: Record<string, string> = {}, base = srv.url) {
  const res = await fetch(`${base}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: WireJson;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}

const bearer = (k: string) => ({ authorization: `Bearer ${k}` });

beforeAll(async () => {
  dataDir = tempDir();
  keys["signer"] = makeKey(dataDir, "ci-signer", ["sign", "verify", "read"]);
  keys["verifier"] = makeKey(dataDir, "transform", ["verify", "read"]);
  keys["revoked"] = makeKey(dataDir, "old", ["sign"]);
  srv = await startTestServer({ auth: "api-key" }, dataDir);
});
afterAll(async () => {
  await srv?.stop();
});

describe("API keys", () => {
  it("without credentials Sign is unauthenticated (401) and says how to authenticate", async () => {
    const r = await call("/v1/sign", { artifact: { digest: DIGEST } });
    expect(r.status).toBe(401);
    expect(r.json.code).toBe("unauthenticated");
    expect(r.json.message).toMatch(/API key/);
    // Connect and gRPC paths are the same interceptor.
    const c = await call("/certus.trust.v1.TrustService/GetKeys", {});
    expect(c.status).toBe(401);
  });

  it("a malformed or unknown key is unauthenticated", async () => {
    expect((await call("/v1/sign", { artifact: { digest: DIGEST } }, bearer("ctk_000000000000_" + "A".repeat(43)))).status).toBe(401);
    expect((await call("/v1/sign", { artifact: { digest: DIGEST } }, { "x-api-key": "nonsense" })).status).toBe(401);
    // A right id with a wrong secret.
    const wrong = keys["signer"]!.key.slice(0, -4) + "AAAA";
    expect((await call("/v1/sign", { artifact: { digest: DIGEST } }, bearer(wrong))).status).toBe(401);
  });

  it("a verify-only key may not Sign (403) but may Verify and read", async () => {
    const r = await call("/v1/sign", { artifact: { digest: DIGEST } }, bearer(keys["verifier"]!.key));
    expect(r.status).toBe(403);
    expect(r.json.code).toBe("permission_denied");
    expect(r.json.message).toMatch(/"sign" scope/);
    expect((await call("/v1/keys", undefined, bearer(keys["verifier"]!.key))).status).toBe(200);
  });

  it("a sign key signs; the audit event, the outer statement and the log line name the key", async () => {
    const signer = keys["signer"]!;
    const r = await call("/v1/sign", { artifact: { digest: DIGEST, uri: "s3://b/k" } }, bearer(signer.key));
    expect(r.status).toBe(200);
    const caller = `apikey:ci-signer#${signer.id}`;
    const statement = JSON.parse(Buffer.from(r.json.bundle.dsseEnvelope.payload, "base64").toString());
    expect(statement.predicate.requester).toBe(caller);
    await new Promise((res) => setTimeout(res, 50));
    const events = readFileSync(join(dataDir, "audit.log"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const signed = events.filter((e) => e.action === "sign" && e.verdict === "allowed");
    expect(signed.at(-1).caller).toBe(caller);
    const line = srv.logs.map((l) => JSON.parse(l)).find((l) => l.msg === "call" && l.procedure.endsWith("/Sign") && l.code === "ok");
    expect(line.caller).toBe(caller);
    // x-api-key works as well as Authorization.
    expect((await call("/v1/sign", { artifact: { digest: DIGEST } }, { "x-api-key": signer.key })).status).toBe(200);
  });

  it("a revoked key stops working without a restart", async () => {
    const k = keys["revoked"]!;
    expect((await call("/v1/sign", { artifact: { digest: DIGEST } }, bearer(k.key))).status).toBe(200);
    expect(ApiKeyStore.open(dataDir).revoke(k.id)).toBe(true);
    await new Promise((res) => setTimeout(res, 600));
    expect((await call("/v1/sign", { artifact: { digest: DIGEST } }, bearer(k.key))).status).toBe(401);
  });

  it("health, readiness, gRPC health and reflection stay open", async () => {
    expect((await call("/healthz", undefined)).status).toBe(200);
    expect((await call("/readyz", undefined)).status).toBe(200);
    const h = await call("/grpc.health.v1.Health/Check", {});
    expect(h.status).toBe(200);
    expect(h.json.status).toBe("SERVING");
  });

  it("/metrics needs the read scope when authentication is on", async () => {
    const anon = await call("/metrics", undefined);
    expect(anon.status).toBe(401);
    expect(anon.headers.get("www-authenticate")).toMatch(/Bearer/);
    const ok = await call("/metrics", undefined, bearer(keys["verifier"]!.key));
    expect(ok.status).toBe(200);
    expect(String(ok.json)).toMatch(/certus_trust_requests_total/);
  });

  it("the key file is 0600 and holds no secret", () => {
    const file = join(dataDir, "apikeys.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, "utf8");
    for (const k of Object.values(keys)) expect(text).not.toContain(parseApiKey(k.key)!.secret);
  });
});

describe("rate limits", () => {
  it("a burst over the limit is resource_exhausted with a retry hint; another caller is unaffected", async () => {
    const dir = tempDir();
    const a = makeKey(dir, "busy", ["read"]);
    const b = makeKey(dir, "calm", ["read"]);
    const limited = await startTestServer({ auth: "api-key", "rate-limit": "1", "rate-limit-burst": "3" }, dir);
    try {
      const codes: number[] = [];
      let refused: Awaited<ReturnType<typeof call>> | undefined;
      for (let i = 0; i < 6; i++) {
        const r = await call("/v1/keys", undefined, bearer(a.key), limited.url);
        codes.push(r.status);
        if (r.status !== 200) refused = r;
      }
      expect(codes.slice(0, 3)).toEqual([200, 200, 200]);
      expect(codes.slice(3)).toContain(429);
      expect(refused!.json.code).toBe("resource_exhausted");
      expect(Number(refused!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect((await call("/v1/keys", undefined, bearer(b.key), limited.url)).status).toBe(200);
      const m = await call("/metrics", undefined, bearer(b.key), limited.url);
      expect(String(m.json)).toMatch(/certus_trust_rate_limited_total [1-9]/);
    } finally {
      await limited.stop();
    }
  });
});

describe("binding", () => {
  const run = promisify(execFile);
  it("refuses 0.0.0.0 without authentication but starts on it with authentication", async () => {
    const refused = await run(process.execPath, [join(REPO_ROOT, "bin/certus-trust.js"), "serve", "--host", "0.0.0.0", "--data-dir", tempDir()]).then(
      () => 0,
      (e: unknown) => execFailure(e).code,
    );
    expect(refused).toBe(2);
    const srv2 = await spawnCliServer(["--host", "0.0.0.0", "--auth", "api-key", "--data-dir", tempDir()]);
    try {
      const port = new URL(srv2.url).port;
      const r = await call("/v1/keys", undefined, {}, `http://127.0.0.1:${port}`);
      expect(r.status).toBe(401);
    } finally {
      srv2.child.kill("SIGTERM");
      await srv2.exited;
    }
  });
});
