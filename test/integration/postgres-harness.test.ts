import { statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresSkipReason, startTestPostgres, type TestPostgres } from "../helpers/postgres.js";

describe.skipIf(postgresSkipReason !== undefined)("PostgreSQL test harness", () => {
  let db: TestPostgres;
  beforeAll(async () => {
    db = await startTestPostgres();
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it("runs a real server as an unprivileged user on loopback, and restarts it on the same data", async () => {
    const who = await db.query<{ u: string; addr: string }>("SELECT current_user AS u, inet_server_addr()::text AS addr");
    expect(who.rows[0]!.u).toBe("certus");
    expect(who.rows[0]!.addr).toBe("127.0.0.1/32");
    const owner = await db.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    expect(owner.rows[0]!.pid).toBeGreaterThan(0);
    // The server's files belong to the unprivileged user it runs as, never root.
    expect(statSync(db.dataDir).uid).not.toBe(0);
    await db.query("CREATE TABLE kept (v int)");
    await db.query("INSERT INTO kept VALUES (42)");
    await db.stop();
    await expect(db.query("SELECT 1")).rejects.toThrow();
    await db.start();
    const kept = await db.query<{ v: number }>("SELECT v FROM kept");
    expect(kept.rows).toEqual([{ v: 42 }]);
  });

  it("refuses a wrong password (password authentication is on)", async () => {
    const bad = db.url.replace(/:[^:@]+@/, ":wrong@");
    const pg = (await import("pg")).default;
    const c = new pg.Client({ connectionString: bad });
    await expect(c.connect()).rejects.toThrow(/password authentication failed/);
  });
});
