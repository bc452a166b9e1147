/**
 * Two (and, for the callback, three) Certus-Trust instances sharing their state on one real
 * PostgreSQL server (`stateStore: postgres`), through the public API and the CLI only: one audit
 * chain under concurrent sign and verify, API keys created and revoked with the CLI, a permission
 * recorded by one instance and read by another with its Transform callback delivered once, and
 * the database stopped under load.
 */
import { createHash, createHmac, generateKeyPairSync, sign as nodeSign, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY_CACHE_MS } from "../../src/state/postgres/api-key-records.js";
import { runCli } from "../helpers/cli.js";
import { postgresSkipReason, startTestPostgres, type TestPostgres } from "../helpers/postgres.js";
import { startTestServer, tempDir, type TestServer } from "../helpers/server.js";
import { writeCertusPolicy } from "../helpers/certus-upload.js";
import type { WireJson } from "../helpers/wire-json.js";

const ASSURANCE = "certus-assurance@certus.cloud";
const SECRET = "transform-callback-secret-for-the-replica-tests-0123";
const assuranceKey = generateKeyPairSync("ec", { namedCurve: "P-256" });
const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

/** What the stand-in Transform received: permission id, HTTP status answered, authentic MAC. */
const callbacks: Array<{ id: string; status: number; authentic: boolean }> = [];
let failuresPerPermission = 0;
const failuresLeft = new Map<string, number>();

let pg: TestPostgres;
let url: string;
let transform: Server;
let transformUrl: string;
let dir: string;
let adminKey: string;
const servers: TestServer[] = [];

async function startInstance(): Promise<TestServer> {
  const s = await startTestServer({
    "state-store": "postgres",
    "database-url": url,
    auth: "api-key",
    "policy-file": join(dir, "policies.yaml"),
    "transform-callback-url": transformUrl,
    "transform-callback-secret-file": join(dir, "secret"),
    "verify-workers": "0",
    "log-level": "warn",
  });
  servers.push(s);
  return s;
}

async function call(s: TestServer, path: string, body: unknown, key = adminKey): Promise<{ status: number; json: WireJson; headers: Headers }> {
  const res = await fetch(`${s.url}${path}`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": key }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

async function auditEvents(): Promise<WireJson[]> {
  const r = await runCli(["audit", "list", "--output", "json", "--database-url", url]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(postgresSkipReason !== undefined)("replicas sharing state on PostgreSQL", () => {
  beforeAll(async () => {
    pg = await startTestPostgres();
    url = await pg.createDatabase("replicas");
    transform = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        const id = String(req.headers["idempotency-key"]);
        if (!failuresLeft.has(id)) failuresLeft.set(id, failuresPerPermission);
        const left = failuresLeft.get(id)!;
        const status = left > 0 ? 500 : 200;
        failuresLeft.set(id, left - 1);
        const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(req.headers["x-certus-signature"] ?? ""));
        const authentic = !!m && timingSafeEqual(createHmac("sha256", SECRET).update(`${m[1]}.${body}`).digest(), Buffer.from(m[2]!, "hex"));
        callbacks.push({ id, status, authentic });
        res.writeHead(status, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((r) => transform.listen(0, "127.0.0.1", r));
    transformUrl = `http://127.0.0.1:${(transform.address() as { port: number }).port}`;
    dir = tempDir();
    const pem = assuranceKey.publicKey.export({ type: "spki", format: "pem" }).toString();
    writeCertusPolicy(join(dir, "policies.yaml"), ASSURANCE, pem);
    writeFileSync(join(dir, "secret"), SECRET, { mode: 0o600 });
    // The operator's first steps: the schema, then an admin key, both with the CLI.
    const migrated = await runCli(["db", "migrate", "--database-url", url]);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toMatch(/schema migrated from version 0 to 1/);
    const created = await runCli(["apikey", "create", "--name", "admin", "--scopes", "admin", "--output", "json"], { CERTUS_TRUST_DATABASE_URL: url });
    expect(created.code, created.stderr).toBe(0);
    adminKey = JSON.parse(created.stdout).key;
    await startInstance();
    await startInstance();
  });
  afterAll(async () => {
    for (const s of servers) await s.stop().catch(() => undefined);
    await new Promise((r) => transform?.close(r));
    await pg?.destroy();
  });

  it("keeps one unbroken audit chain holding every decision of both instances under concurrent sign and verify", async () => {
    const [a, b] = servers as [TestServer, TestServer];
    const ready = (await fetch(`${a.url}/readyz`).then((r) => r.json())) as WireJson;
    expect(ready.components.database).toMatchObject({ status: "serving", detail: expect.stringContaining("127.0.0.1") });
    expect(JSON.stringify(ready)).not.toContain(new URL(url).password);
    const N = 20;
    const work = [a, b].flatMap((s, si) =>
      Array.from({ length: N }, async (_, i) => {
        const digest = `sha256:${sha256(`replica ${si} artifact ${i}`)}`;
        const signed = await call(s, "/v1/sign", { artifact: { digest } });
        expect(signed.status, JSON.stringify(signed.json)).toBe(200);
        const verified = await call(s, "/v1/verify", {
          artifact: { digest },
          bundle: signed.json.bundle,
          expectedSigner: { subject: "certus-trust@certus.cloud", issuer: s.url },
        });
        expect(verified.json.verified, JSON.stringify(verified.json)).toBe(true);
        return { digest, logIndex: signed.json.entry.logIndex as string };
      }),
    );
    const signed = await Promise.all(work);
    // Verify audits without holding the answer: wait until all 4N decisions are in the chain.
    const events = await waitFor("every decision in the chain", async () => {
      const e = await auditEvents();
      return e.length >= 4 * N ? e : undefined;
    });
    expect(events).toHaveLength(4 * N);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 4 * N }, (_, i) => i + 1));
    for (let i = 1; i < events.length; i++) expect(events[i].prev).toBe(events[i - 1].hash);
    for (const s of signed) {
      const mine = events.filter((e) => e.artifact?.digest === s.digest);
      expect(mine.map((e) => `${e.action}:${e.verdict}`).sort()).toEqual(["sign:allowed", "verify:verified"]);
      expect(mine.find((e) => e.action === "sign").logIndex).toBe(s.logIndex);
    }
    const check = await runCli(["audit", "verify", "--database-url", url]);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain(`audit trail intact: ${4 * N} events`);
  });

  it("accepts an API key created with the CLI on both instances, and refuses it on both within the revocation bound", async () => {
    const [a, b] = servers as [TestServer, TestServer];
    const created = await runCli(["apikey", "create", "--name", "ci", "--scopes", "sign", "--output", "json", "--database-url", url]);
    expect(created.code, created.stderr).toBe(0);
    const { id, key } = JSON.parse(created.stdout);
    const digest = `sha256:${sha256("signed with the ci key")}`;
    for (const s of [a, b]) expect((await call(s, "/v1/sign", { artifact: { digest } }, key)).status).toBe(200);
    const listed = await runCli(["apikey", "list", "--output", "json", "--database-url", url]);
    expect(
      JSON.parse(listed.stdout)
        .map((k: { name: string }) => k.name)
        .sort(),
    ).toEqual(["admin", "ci"]);
    const revoked = await runCli(["apikey", "revoke", id, "--database-url", url]);
    expect(revoked.code, revoked.stderr).toBe(0);
    const at = Date.now();
    const refusedAfter = await Promise.all(
      [a, b].map((s) =>
        waitFor(
          "the revoked key refused",
          async () => ((await call(s, "/v1/sign", { artifact: { digest } }, key)).status === 401 ? Date.now() - at : undefined),
          5000,
        ),
      ),
    );
    for (const ms of refusedAfter) expect(ms).toBeLessThanOrEqual(API_KEY_CACHE_MS + 500);
  });

  it("returns a permission recorded through one instance from another, and delivers its Transform callback exactly once", async () => {
    const [a, b] = servers as [TestServer, TestServer];
    const scanId = "scan_replicas_1";
    const files = { "report.json": Buffer.from(`{"scan":"${scanId}"}`) };
    const listed = Object.entries(files).map(([name, bytes]) => ({ hash: `sha256:${sha256(bytes)}`, name, size: bytes.length }));
    const manifest = Buffer.from(JSON.stringify({ artifacts: listed, scan_id: scanId }));
    const artifacts = [...listed, { name: "manifest.json", hash: `sha256:${sha256(manifest)}`, size: manifest.length }];
    // Transform fails the first attempts, so the callback stays pending (claimed by A) for seconds.
    failuresPerPermission = 3;
    const r = await call(a, "/v1/verify-and-permit-upload", {
      scan_id: scanId,
      tier: "verified",
      inner_signature: {
        signer: ASSURANCE,
        timestamp: "2026-01-15T14:32:45Z",
        signature: nodeSign("sha256", manifest, { key: assuranceKey.privateKey, dsaEncoding: "der" }).toString("base64"),
        algorithm: "ECDSA-P256-SHA256",
        certificate: null,
      },
      artifacts,
      metadata: { git_url: "https://git.example/certus/demo.git", branch: "main", commit: "0123456789abcdef0123456789abcdef01234567", requested_by: null },
      storage_destinations: { raw_s3: true, oci_registry: false },
    });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.permitted).toBe(true);
    const id = r.json.upload_permission_id as string;
    // B reads it at once.
    const prov = await fetch(`${b.url}/v1/provenance/${scanId}`, { headers: { "x-api-key": adminKey } });
    expect(prov.status).toBe(200);
    expect(JSON.stringify(await prov.json())).toContain(id);
    // A third instance starting now resumes pending callbacks: it finds this one claimed by A.
    const c = await startInstance();
    expect(c.url).not.toBe(a.url);
    await waitFor("the callback delivered", () => Promise.resolve(callbacks.some((x) => x.id === id && x.status === 200) ? true : undefined), 30_000);
    await new Promise((res) => setTimeout(res, 1500));
    const mine = callbacks.filter((x) => x.id === id);
    expect(mine.filter((x) => x.status === 200)).toHaveLength(1);
    expect(mine.map((x) => x.status)).toEqual([500, 500, 500, 200]);
    expect(mine.every((x) => x.authentic)).toBe(true);
    failuresPerPermission = 0;
  });

  it("answers unavailable while the database is read-only, names it in /readyz, and signs again once it is writable", async () => {
    const [a] = servers as [TestServer, TestServer];
    const sign = (what: string) => call(a, "/v1/sign", { artifact: { digest: `sha256:${sha256(what)}` } });
    // New sessions are read-only; the service's open ones are cut, so it reconnects into that.
    await pg.query("ALTER DATABASE replicas SET default_transaction_read_only = on", [], "postgres");
    await pg.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'replicas' AND pid <> pg_backend_pid()", [], "postgres");
    try {
      const refused = await waitFor("a read-only refusal", async () => {
        const r = await sign(`read-only ${Date.now()}`);
        expect([200, 503]).toContain(r.status);
        return r.status === 503 ? r : undefined;
      });
      expect(refused.json.code).toBe("unavailable");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      const ready = await waitFor("/readyz naming the read-only database", async () => {
        const body = (await fetch(`${a.url}/readyz`).then((r) => r.json())) as WireJson;
        return /read-only/.test(body.components.database.detail) ? body : undefined;
      });
      expect(ready.components.database.status).toBe("not serving");
    } finally {
      await pg.query("ALTER DATABASE replicas SET default_transaction_read_only = off", [], "postgres");
      await pg.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'replicas' AND pid <> pg_backend_pid()", [], "postgres");
    }
    await waitFor("signing again", async () => ((await sign(`writable again ${Date.now()}`)).status === 200 ? true : undefined), 20_000);
    const check = await runCli(["audit", "verify", "--database-url", url]);
    expect(check.code, check.stderr).toBe(0);
  });

  it("answers unavailable (never 500) while PostgreSQL is stopped under load, and works again after it restarts, without restarting the service", async () => {
    const [a, b] = servers as [TestServer, TestServer];
    const statuses: number[] = [];
    const bodies: WireJson[] = [];
    let stop = false;
    let n = 0;
    const load = async (s: TestServer) => {
      while (!stop) {
        const r = await call(s, "/v1/sign", { artifact: { digest: `sha256:${sha256(`outage ${n++}`)}` } });
        statuses.push(r.status);
        if (r.status !== 200) bodies.push({ ...r.json, retryAfter: r.headers.get("retry-after") });
        if (r.status !== 200) await new Promise((res) => setTimeout(res, 50));
      }
    };
    const loops = [load(a), load(b), load(a), load(b)];
    await new Promise((res) => setTimeout(res, 500));
    await pg.stop();
    await new Promise((res) => setTimeout(res, 3000));
    const ready = (await fetch(`${a.url}/readyz`).then((r) => r.json())) as WireJson;
    expect(ready.components.database.status).toBe("not serving");
    await pg.start();
    // Recovery: both instances sign again within a few seconds, on their own.
    for (const s of [a, b])
      await waitFor(
        "signing again",
        async () => ((await call(s, "/v1/sign", { artifact: { digest: `sha256:${sha256("after")}` } })).status === 200 ? true : undefined),
        20_000,
      );
    stop = true;
    await Promise.all(loops);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    for (const body of bodies) {
      expect(body.code).toBe("unavailable");
      expect(Number(body.retryAfter)).toBeGreaterThan(0);
    }
    const check = await runCli(["audit", "verify", "--database-url", url]);
    expect(check.code, check.stderr).toBe(0);
  });
});
