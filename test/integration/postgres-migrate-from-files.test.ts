/**
 * `certus-trust db migrate-from-files`: a data directory written by a real service on the file
 * state store (audit trail, API keys) is moved into PostgreSQL; the chain verifies end to end in
 * the database, a service started on the database continues it, keys keep working, a re-run
 * moves nothing twice, and a trail that does not verify (or a different chain already in the
 * database) is refused with nothing written.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { PermissionStore } from "../../src/state/file/permission-store.js";
import { runCli } from "../helpers/cli.js";
import { postgresSkipReason, startTestPostgres, type TestPostgres } from "../helpers/postgres.js";
import { startTestServer, tempDir } from "../helpers/server.js";

const sha256 = (s: string) => `sha256:${createHash("sha256").update(s).digest("hex")}`;

async function sign(url: string, key: string, what: string): Promise<number> {
  const res = await fetch(`${url}/v1/sign`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": key },
    body: JSON.stringify({ artifact: { digest: sha256(what) } }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe.skipIf(postgresSkipReason !== undefined)("certus-trust db migrate-from-files", () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await startTestPostgres();
  });
  afterAll(async () => {
    await pg?.destroy();
  });

  it("moves a data directory's audit trail and API keys, keeping the chain verifiable and the keys working", async () => {
    const dataDir = tempDir();
    const made = await runCli(["apikey", "create", "--name", "ops", "--scopes", "sign,verify", "--output", "json", "--data-dir", dataDir]);
    expect(made.code, made.stderr).toBe(0);
    const { key, id } = JSON.parse(made.stdout);
    const revokedKey = JSON.parse((await runCli(["apikey", "create", "--name", "old", "--scopes", "sign", "--output", "json", "--data-dir", dataDir])).stdout);
    expect((await runCli(["apikey", "revoke", revokedKey.id, "--data-dir", dataDir])).code).toBe(0);
    const fileServer = await startTestServer({ auth: "api-key", "verify-workers": "0" }, dataDir);
    for (let i = 0; i < 5; i++) expect(await sign(fileServer.url, key, `before ${i}`)).toBe(200);
    await fileServer.stop();
    // A permission whose Transform callback is still pending, as the file store keeps it.
    const permissions = PermissionStore.open(dataDir, createLogger("silent"));
    await permissions.record({
      id: "3f0c2d5e-0000-4000-8000-000000000001",
      scanId: "scan_moved",
      tier: "verified",
      permitted: true,
      reason: "permitted",
      detail: "",
      decidedAt: new Date().toISOString(),
      caller: "apikey:ops",
      manifestDigest: sha256("manifest"),
      artifacts: [{ name: "manifest.json", hash: sha256("manifest"), size: 8 }],
      metadata: { git_url: "https://git.example/x.git", branch: "main", commit: "c0ffee", requested_by: "ops" },
      response: { permitted: true },
      callback: "pending",
      callbackAttempts: 2,
    });
    await permissions.close();
    const fileCheck = await runCli(["audit", "verify", "--data-dir", dataDir]);
    expect(fileCheck.stdout).toContain("audit trail intact: 5 events");
    const fileEvents = JSON.parse((await runCli(["audit", "list", "--output", "json", "--data-dir", dataDir])).stdout);

    const url = await pg.createDatabase("from_files");
    const moved = await runCli(["db", "migrate-from-files", "--data-dir", dataDir, "--database-url", url]);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toContain("audit events: 5 moved, 0 already there");
    expect(moved.stdout).toContain("API keys: 2 moved, 0 already there");
    expect(moved.stdout).toContain("upload permissions: 1 moved, 0 already there");
    const perm = await pg.query<{ id: string; scan_id: string; callback: string; callback_attempts: number }>(
      "SELECT id, scan_id, callback, callback_attempts FROM certus_trust.upload_permissions",
      [],
      "from_files",
    );
    expect(perm.rows).toEqual([{ id: "3f0c2d5e-0000-4000-8000-000000000001", scan_id: "scan_moved", callback: "pending", callback_attempts: 2 }]);
    expect(moved.stdout).toContain("audit chain in the database intact: 5 events");
    // The same events, byte for byte in meaning: same seq, time, prev and hash.
    const dbEvents = JSON.parse((await runCli(["audit", "list", "--output", "json", "--database-url", url])).stdout);
    expect(dbEvents).toEqual(fileEvents);
    const keys = JSON.parse((await runCli(["apikey", "list", "--output", "json", "--database-url", url])).stdout);
    expect(keys.map((k: { id: string; revokedAt?: string }) => [k.id, k.revokedAt !== undefined]).sort()).toEqual(
      [
        [id, false],
        [revokedKey.id, true],
      ].sort(),
    );

    // Again: nothing is moved twice.
    const again = await runCli(["db", "migrate-from-files", "--data-dir", dataDir, "--database-url", url]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("audit events: 0 moved, 5 already there");

    // A service on the database continues the chain; the moved key works, the revoked one does not.
    const dbServer = await startTestServer({ auth: "api-key", "state-store": "postgres", "database-url": url, "verify-workers": "0" }, tempDir());
    try {
      expect(await sign(dbServer.url, key, "after")).toBe(200);
      expect(await sign(dbServer.url, revokedKey.key, "after, revoked")).toBe(401);
    } finally {
      await dbServer.stop();
    }
    const check = await runCli(["audit", "verify", "--database-url", url]);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain("audit trail intact: 6 events");

    // The data directory's trail has no 6th event: moving it again now is refused (two chains).
    const diverged = tempDir();
    writeFileSync(join(diverged, "audit.log"), readFileSync(join(dataDir, "audit.log")));
    const otherUrl = await pg.createDatabase("other_chain");
    const other = await startTestServer({ "state-store": "postgres", "database-url": otherUrl, "verify-workers": "0" }, tempDir());
    try {
      expect(await sign(other.url, "", "another chain")).toBe(200);
    } finally {
      await other.stop();
    }
    const refused = await runCli(["db", "migrate-from-files", "--data-dir", diverged, "--database-url", otherUrl]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/two chains cannot be joined/);
    expect((await runCli(["audit", "verify", "--database-url", otherUrl])).stdout).toContain("audit trail intact: 1 events");
  });

  it("refuses a data directory whose audit trail does not verify, and writes nothing", async () => {
    const dataDir = tempDir();
    const s = await startTestServer({ "verify-workers": "0" }, dataDir);
    for (let i = 0; i < 3; i++) expect(await sign(s.url, "", `tampered ${i}`)).toBe(200);
    await s.stop();
    const file = join(dataDir, "audit.log");
    writeFileSync(file, readFileSync(file, "utf8").replace('"verdict":"allowed"', '"verdict":"refused"'));
    const url = await pg.createDatabase("tampered");
    const r = await runCli(["db", "migrate-from-files", "--data-dir", dataDir, "--database-url", url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not verify, nothing was moved: event seq 1/);
    const count = await pg.query<{ n: string }>("SELECT count(*) AS n FROM pg_namespace WHERE nspname = 'certus_trust'", [], "tampered");
    expect(count.rows[0]!.n).toBe("0");
  });

  it("fails with a clear message and exit 3 when the database cannot be reached, exit 2 for a bad URL", async () => {
    const r = await runCli(["audit", "verify", "--database-url", `postgres://certus@127.0.0.1:1/none`]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/database is unavailable/);
    const bad = await runCli(["audit", "verify", "--database-url", "mysql://x@y/z"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/scheme "mysql"/);
    // The service does not start without its database: exit 3 naming it (not the password), or 2 for a bad URL.
    const down = await runCli(["serve", "--port", "0", "--data-dir", tempDir(), "--state-store", "postgres"], {
      CERTUS_TRUST_DATABASE_URL: "postgres://certus:s3cret@127.0.0.1:1/none",
    });
    expect(down.code).toBe(3);
    expect(down.stderr).toContain("cannot open the state database postgres://certus@127.0.0.1:1/none");
    expect(down.stderr + down.stdout).not.toContain("s3cret");
    const wrong = await runCli([
      "serve",
      "--port",
      "0",
      "--data-dir",
      tempDir(),
      "--state-store",
      "postgres",
      "--database-url",
      "postgres://certus@127.0.0.1:1/none?sslmode=prefer",
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/sslmode "prefer" is not accepted/);
  });
});
