/**
 * The PostgreSQL state store against a real PostgreSQL server (test/helpers/postgres.ts): two
 * store instances on one database stand for two replicas.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UnavailableError } from "../../src/errors.js";
import { createLogger } from "../../src/logger.js";
import { API_KEY_CACHE_MS } from "../../src/state/postgres/api-key-records.js";
import { DatabaseUrlError, poolConfig, redactedDatabaseUrl } from "../../src/state/postgres/connection.js";
import { LATEST_VERSION, migrate, SCHEMA, SchemaTooNewError } from "../../src/state/postgres/migrations.js";
import { PostgresStateStore } from "../../src/state/postgres/postgres-state-store.js";
import type { AuditInput, StoredPermission } from "../../src/state/state-store.js";
import { postgresSkipReason, startTestPostgres, type TestPostgres } from "../helpers/postgres.js";

const log = createLogger("silent");

function permission(id: string, scanId: string, outerUuid?: string): StoredPermission {
  return {
    id,
    scanId,
    tier: "verified",
    permitted: true,
    reason: "ok",
    detail: "",
    decidedAt: new Date().toISOString(),
    caller: "test",
    manifestDigest: "sha256:" + "a".repeat(64),
    artifacts: [{ name: "a.tar", hash: "sha256:" + "b".repeat(64), size: 3 }],
    metadata: { git_url: "https://git.example/x", branch: "main", commit: "c0ffee", requested_by: "me" },
    response: { upload_permission_id: id },
    ...(outerUuid ? { outer: { signer: "certus-trust@certus.cloud", bundle: {}, entry: { uuid: outerUuid, logIndex: 1, integratedTime: 1 } } } : {}),
    callback: "pending",
    callbackAttempts: 0,
  };
}

const input = (i: number, who: string): AuditInput => ({
  caller: who,
  action: "sign",
  verdict: "allowed",
  artifact: { digest: `sha256:${i.toString(16).padStart(64, "0")}` },
});

describe.skipIf(postgresSkipReason !== undefined)("PostgreSQL state store", () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await startTestPostgres();
  });
  afterAll(async () => {
    await pg?.destroy();
  });

  it("migrates once when two replicas start at the same moment, and refuses a newer schema", async () => {
    const url = await pg.createDatabase("migrate_race");
    const [a, b] = await Promise.all([PostgresStateStore.open({ url, log }), PostgresStateStore.open({ url, log })]);
    try {
      const applied = [a.migration!.applied.length, b.migration!.applied.length].sort();
      expect(applied).toEqual([0, 1]);
      const rows = await pg.query<{ version: number }>(`SELECT version FROM ${SCHEMA}.schema_migrations`, [], "migrate_race");
      expect(rows.rows.map((r) => r.version)).toEqual([LATEST_VERSION]);
      await pg.query(`INSERT INTO ${SCHEMA}.schema_migrations (version, name) VALUES ($1, 'from the future')`, [LATEST_VERSION + 1], "migrate_race");
      await expect(migrate(a.db.pool)).rejects.toBeInstanceOf(SchemaTooNewError);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("keeps one unbroken chain when two replicas append concurrently, and detects tampering", async () => {
    const url = await pg.createDatabase("audit_chain");
    const a = await PostgresStateStore.open({ url, log });
    const b = await PostgresStateStore.open({ url, log });
    try {
      const acked = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).audit.append(input(i, i % 2 ? "replica-a" : "replica-b"))));
      const seqs = acked.map((e) => e.seq).sort((x, y) => x - y);
      expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(await a.audit.verifyChainHead()).toEqual({ ok: true, events: 200 });
      const events = await b.audit.read();
      expect(events.map((e) => e.seq)).toEqual(seqs);
      for (let i = 1; i < events.length; i++) expect(events[i]!.prev).toBe(events[i - 1]!.hash);
      expect(await a.audit.read({ artifact: acked[7]!.artifact!.digest! })).toEqual([acked[7]]);

      // Altering an event's body, deleting one in the middle, or cutting the end are each found.
      const victim = await pg.query<{ body: string }>(`SELECT body FROM ${SCHEMA}.audit_events WHERE seq = 50`, [], "audit_chain");
      await pg.query(`UPDATE ${SCHEMA}.audit_events SET body = $1 WHERE seq = 50`, [victim.rows[0]!.body.replace("allowed", "refused")], "audit_chain");
      expect(await a.audit.verifyChainHead()).toMatchObject({ ok: false, events: 49, problem: expect.stringMatching(/seq 50.*altered/) });
      await pg.query(`UPDATE ${SCHEMA}.audit_events SET body = $1 WHERE seq = 50`, [victim.rows[0]!.body], "audit_chain");
      await pg.query(`DELETE FROM ${SCHEMA}.audit_events WHERE seq = 200`, [], "audit_chain");
      expect(await a.audit.verifyChainHead()).toMatchObject({ ok: false, problem: expect.stringMatching(/cut off the end/) });
      await pg.query(`DELETE FROM ${SCHEMA}.audit_events WHERE seq = 120`, [], "audit_chain");
      expect(await a.audit.verifyChainHead()).toMatchObject({ ok: false, events: 119, problem: expect.stringMatching(/expected seq 120/) });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("shares permissions between replicas, and gives a callback claim to exactly one of them", async () => {
    const url = await pg.createDatabase("permissions");
    const a = await PostgresStateStore.open({ url, log });
    const b = await PostgresStateStore.open({ url, log });
    try {
      const uuid = "f".repeat(64);
      await a.permissions.record(permission("perm-1", "scan-1", uuid));
      await a.permissions.record(permission("perm-1", "scan-1", uuid)); // a retry changes nothing
      await a.permissions.record({ ...permission("perm-2", "scan-1"), permitted: false, callback: "off" });
      expect((await b.permissions.get("perm-1"))?.scanId).toBe("scan-1");
      expect((await b.permissions.forScan("scan-1")).map((p) => p.id)).toEqual(["perm-1", "perm-2"]);
      expect((await b.permissions.byOuterEntry("24296fb24b8ad77a" + uuid))?.id).toBe("perm-1");
      expect(await b.permissions.counts()).toEqual({ total: 2, permitted: 1 });
      expect((await b.permissions.pendingCallbacks()).map((p) => p.id)).toEqual(["perm-1"]);

      const claims = await Promise.all([
        a.permissions.claimCallback("perm-1", "replica-a", 60_000),
        b.permissions.claimCallback("perm-1", "replica-b", 60_000),
      ]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      const holder = claims[0] ? "replica-a" : "replica-b";
      const other = claims[0] ? b : a;
      expect(await other.permissions.claimCallback("perm-1", holder === "replica-a" ? "replica-b" : "replica-a", 60_000)).toBe(false);
      expect(await (claims[0] ? a : b).permissions.claimCallback("perm-1", holder, 60_000)).toBe(true); // renewal
      await a.permissions.updateCallback("perm-1", "delivered", 1);
      expect(await b.permissions.claimCallback("perm-1", "replica-b", 60_000)).toBe(false);
      expect(await b.permissions.get("perm-1")).toMatchObject({ callback: "delivered", callbackAttempts: 1 });

      // A holder that dies loses the claim when its lease ends.
      await a.permissions.record(permission("perm-3", "scan-2"));
      expect(await a.permissions.claimCallback("perm-3", "replica-a", 200)).toBe(true);
      expect(await b.permissions.claimCallback("perm-3", "replica-b", 60_000)).toBe(false);
      await new Promise((r) => setTimeout(r, 300));
      expect(await b.permissions.claimCallback("perm-3", "replica-b", 60_000)).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("creates API keys any replica sees, and a revocation reaches every replica within the cache bound", async () => {
    const url = await pg.createDatabase("apikeys");
    const a = await PostgresStateStore.open({ url, log });
    const b = await PostgresStateStore.open({ url, log });
    try {
      await expect(a.apiKeys.create("bad name", ["sign"])).rejects.toBeInstanceOf(TypeError);
      await expect(a.apiKeys.create("ci", ["sudo"])).rejects.toBeInstanceOf(TypeError);
      const { record, key } = await a.apiKeys.create("ci", ["sign", "verify"]);
      expect(key).toMatch(/^ctk_[0-9a-f]{12}_/);
      const stored = await pg.query<{ hash: string }>(`SELECT hash FROM ${SCHEMA}.api_keys`, [], "apikeys");
      expect(JSON.stringify(stored.rows)).not.toContain(key.split("_")[2]);
      expect((await b.apiKeys.lookup(record.id))?.scopes).toEqual(["sign", "verify"]);
      expect(await a.apiKeys.revoke(record.id)).toBe(true);
      expect(await a.apiKeys.revoke("000000000000")).toBe(false);
      const revokedAt = Date.now();
      for (;;) {
        if ((await b.apiKeys.lookup(record.id)) === undefined) break;
        expect(Date.now() - revokedAt).toBeLessThan(API_KEY_CACHE_MS + 500);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await b.apiKeys.list()).map((k) => [k.id, typeof k.revokedAt])).toEqual([[record.id, "string"]]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("indexes entries by digest and signer, page by page", async () => {
    const url = await pg.createDatabase("entry_index");
    const a = await PostgresStateStore.open({ url, log });
    try {
      for (const i of [5, 1, 9, 3])
        await a.entryIndex.record({ logIndex: i, artifactDigest: i === 9 ? "sha256:other" : "sha256:d", signerSubject: "ci@example.com" });
      await a.entryIndex.record({ logIndex: 5, artifactDigest: "sha256:changed" }); // again: a no-op
      expect(await a.entryIndex.find({ artifactDigest: "sha256:d" }, { pageSize: 2 })).toEqual({ logIndexes: [1, 3], nextAfterIndex: 3 });
      expect(await a.entryIndex.find({ artifactDigest: "sha256:d" }, { pageSize: 2, afterIndex: 3 })).toEqual({ logIndexes: [5], nextAfterIndex: undefined });
      expect(await a.entryIndex.find({ signerSubject: "ci@example.com" }, { pageSize: 10 })).toEqual({ logIndexes: [1, 3, 5, 9], nextAfterIndex: undefined });
    } finally {
      await a.close();
    }
  });

  it("answers unavailable while the database is down or read-only, writes nothing half, and recovers by itself", async () => {
    const url = await pg.createDatabase("outage");
    const a = await PostgresStateStore.open({ url, log });
    try {
      await a.audit.append(input(1, "a"));
      expect(a.readiness()[0]!.ready).toBe(true);
      await pg.stop();
      const err = await a.audit.append(input(2, "a")).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnavailableError);
      expect((err as UnavailableError).component).toBe("audit-log");
      expect((err as UnavailableError).retryAfterMs).toBeGreaterThan(0);
      await expect(a.permissions.record(permission("p", "s"))).rejects.toBeInstanceOf(UnavailableError);
      await expect(a.apiKeys.lookup("000000000000")).rejects.toBeInstanceOf(UnavailableError);
      expect(a.readiness()[0]).toMatchObject({ ready: false, detail: expect.stringContaining("cannot reach the database") });
      expect(a.readiness()[0]!.detail).not.toContain(new URL(url).password);
      await pg.start();
      const after = await a.audit.append(input(3, "a"));
      expect(after.seq).toBe(2); // the failed append left no seq behind
      expect(a.readiness()[0]!.ready).toBe(true);

      await pg.query("ALTER DATABASE outage SET default_transaction_read_only = on", [], "postgres");
      const ro = await PostgresStateStore.open({ url, log, migrate: false });
      try {
        const e2 = await ro.audit.append(input(4, "a")).catch((e: unknown) => e);
        expect(e2).toBeInstanceOf(UnavailableError);
        expect((e2 as Error).message).toMatch(/read-only/);
        expect(ro.readiness()[0]).toMatchObject({ ready: false, detail: expect.stringContaining("read-only") });
      } finally {
        await ro.close();
        await pg.query("ALTER DATABASE outage SET default_transaction_read_only = off", [], "postgres");
      }
      expect(await a.audit.verifyChainHead()).toEqual({ ok: true, events: 2 });
    } finally {
      await a.close();
    }
  });

  it("parses the database URL strictly, defaults to verified TLS off loopback, and never shows the password", () => {
    expect(poolConfig({ url: "postgres://u:p@127.0.0.1:5/db" }).ssl).toBe(false);
    expect(poolConfig({ url: "postgres://u:p@db.internal/db" }).ssl).toMatchObject({ rejectUnauthorized: true });
    expect(poolConfig({ url: "postgres://u:p@db.internal/db?sslmode=require" }).ssl).toMatchObject({ rejectUnauthorized: false });
    expect(() => poolConfig({ url: "postgres://u:p@db.internal/db?sslmode=prefer" })).toThrow(DatabaseUrlError);
    expect(() => poolConfig({ url: "postgres://u:p@db.internal/db?options=-c%20x" })).toThrow(/parameter "options" is not supported/);
    expect(() => poolConfig({ url: "mysql://u:p@db/db" })).toThrow(/scheme "mysql"/);
    expect(() => poolConfig({ url: "postgres://u:p@db.internal/db?sslmode=verify-full&sslrootcert=/nonexistent.pem" })).toThrow(
      /cannot read \/nonexistent.pem/,
    );
    expect(redactedDatabaseUrl("postgres://u:s3cret@db.internal:6543/db")).toBe("postgres://u@db.internal:6543/db (sslmode=verify-full)");
  });
});
