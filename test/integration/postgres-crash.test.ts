/**
 * Crash safety of the PostgreSQL audit trail: one `certus-trust serve` process (the CLI, as
 * deployed) on a real PostgreSQL, SIGKILLed again and again while callers sign, beside a second
 * instance signing all along. Every decision a caller saw acknowledged must be in the one chain,
 * and the chain must verify (`certus-trust audit verify --database-url`).
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { postgresSkipReason, startTestPostgres, type TestPostgres } from "../helpers/postgres.js";
import { spawnCliServer, tempDir, type CliServer } from "../helpers/server.js";

const KILLS = 10;
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

let pg: TestPostgres;
let url: string;
const children: CliServer[] = [];

async function serve(dataDir: string): Promise<CliServer> {
  const s = await spawnCliServer(["--data-dir", dataDir, "--state-store", "postgres", "--verify-workers", "0"], { CERTUS_TRUST_DATABASE_URL: url });
  children.push(s);
  return s;
}

describe.skipIf(postgresSkipReason !== undefined)("an instance SIGKILLed under load", () => {
  beforeAll(async () => {
    pg = await startTestPostgres();
    url = await pg.createDatabase("crash");
  });
  afterAll(async () => {
    for (const c of children) c.child.kill("SIGKILL");
    await pg?.destroy();
  });

  it(`keeps every acknowledged decision in one verifying chain across ${KILLS} kills`, { timeout: 240_000 }, async () => {
    const victimDir = tempDir();
    const steady = await serve(tempDir());
    let victim = await serve(victimDir);
    const acknowledged: Array<{ digest: string; logIndex: string }> = [];
    let failures = 0;
    let n = 0;
    let stop = false;
    const load = async (target: () => CliServer) => {
      while (!stop) {
        const digest = `sha256:${sha256(`crash test ${n++}`)}`;
        try {
          const res = await fetch(`${target().url}/v1/sign`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ artifact: { digest } }),
            signal: AbortSignal.timeout(10_000),
          });
          const json = (await res.json()) as { entry?: { logIndex: string } };
          if (res.status === 200) acknowledged.push({ digest, logIndex: json.entry!.logIndex });
          else failures++;
        } catch {
          failures++; // the process died with the call in flight, or is restarting: not acknowledged
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    };
    const loops = [load(() => victim), load(() => victim), load(() => victim), load(() => steady)];
    for (let k = 0; k < KILLS; k++) {
      await new Promise((r) => setTimeout(r, 300 + Math.floor(Math.random() * 500)));
      victim.child.kill("SIGKILL");
      await victim.exited;
      victim = await serve(victimDir);
    }
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await Promise.all(loops);
    expect(acknowledged.length).toBeGreaterThan(KILLS * 5);
    const listed = await runCli(["audit", "list", "--output", "json", "--database-url", url]);
    expect(listed.code, listed.stderr).toBe(0);
    const events = JSON.parse(listed.stdout) as Array<{ seq: number; action: string; verdict: string; logIndex?: string; artifact?: { digest?: string } }>;
    const signed = new Map(events.filter((e) => e.action === "sign" && e.verdict === "allowed").map((e) => [e.artifact!.digest!, e.logIndex]));
    const missing = acknowledged.filter((a) => signed.get(a.digest) !== a.logIndex);
    expect(missing).toEqual([]);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
    const check = await runCli(["audit", "verify", "--database-url", url]);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain(`audit trail intact: ${events.length} events`);
    console.log(
      `[postgres-crash] ${KILLS} kills, ${acknowledged.length} acknowledged signs, ${failures} calls cut or refused, ${events.length} events in the chain`,
    );
  });
});
