/**
 * `npm run bench:state`: the state store's throughput, file vs PostgreSQL (not a timed test).
 *
 * - audit appends/s: 64 concurrent appenders (batched: one fsync or one COMMIT per batch), and
 *   one appender at a time (every append waits for its own fsync / COMMIT), on the file trail
 *   and on PostgreSQL; and on PostgreSQL from two store instances at once (two replicas on one
 *   chain, serialised by the chain-head row lock);
 * - sign/s through the API (DSSE, durable; embedded stack, in-process server) with each store.
 *
 * PostgreSQL: `--database-url <url>` (or CERTUS_TRUST_DATABASE_URL), an empty database the run
 * may write to; without one, a throwaway server is started like the tests' (Debian's
 * postgresql: initdb on a temp directory, loopback port, unprivileged user; fsync on).
 * `--quick` shortens every phase.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { resolveConfig } from "../src/config/config.js";
import { createLogger } from "../src/logger.js";
import { startTrustServer } from "../src/server/server.js";
import { FileStateStore } from "../src/state/file/file-state-store.js";
import { PostgresStateStore } from "../src/state/postgres/postgres-state-store.js";
import type { AuditInput, AuditTrail } from "../src/state/state-store.js";
import { startTestPostgres, type TestPostgres } from "../test/helpers/postgres.js";

const quick = process.argv.includes("--quick");
const urlIndex = process.argv.indexOf("--database-url");
const givenUrl = urlIndex > 0 ? process.argv[urlIndex + 1] : process.env["CERTUS_TRUST_DATABASE_URL"] || undefined;
const phaseMs = quick ? 2_000 : 6_000;
const log = createLogger("silent");

function progress(msg: string): void {
  process.stderr.write(`[bench:state] ${msg}\n`);
}

const event = (i: number): AuditInput => ({
  caller: "bench",
  action: "sign",
  verdict: "allowed",
  artifact: { digest: `sha256:${i.toString(16).padStart(64, "0")}` },
  logIndex: String(i),
});

/** Appends with `concurrency` loops for `ms`; appends per second. */
async function appendRate(trails: AuditTrail[], concurrency: number, ms: number): Promise<number> {
  let done = 0;
  const end = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, k) => {
      const trail = trails[k % trails.length]!;
      while (performance.now() < end) await trail.append(event(done++));
    }),
  );
  return done / ((performance.now() - t0) / 1000);
}

/** Signs through the API with 32 concurrent callers for `ms`; signs per second. */
async function signRate(flags: Record<string, string>, ms: number): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), "certus-bench-state-"));
  const config = resolveConfig({ port: "0", host: "127.0.0.1", "data-dir": dataDir, "log-level": "silent", "verify-workers": "0", ...flags }, {});
  const server = await startTrustServer(config, log);
  let done = 0;
  let failed = 0;
  try {
    const end = performance.now() + ms;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 32 }, async (_, k) => {
        let i = 0;
        while (performance.now() < end) {
          const res = await fetch(`${server.url}/v1/sign`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ artifact: { digest: `sha256:${(k * 1e6 + i++).toString(16).padStart(64, "0")}` } }),
          });
          await res.arrayBuffer();
          if (res.status === 200) done++;
          else failed++;
        }
      }),
    );
    if (failed > 0) throw new Error(`${failed} signs failed`);
    return done / ((performance.now() - t0) / 1000);
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  let pg: TestPostgres | undefined;
  let url = givenUrl;
  if (!url) {
    progress("starting a throwaway PostgreSQL server");
    pg = await startTestPostgres();
    url = await pg.createDatabase("bench");
  }
  const rows: Array<[string, string, number]> = [];
  try {
    const dir = mkdtempSync(join(tmpdir(), "certus-bench-file-"));
    const file = FileStateStore.open({ dataDir: dir, log, searchLog: () => Promise.resolve({ logIndexes: [], nextAfterIndex: undefined }) });
    progress("file trail");
    rows.push(["audit appends/s", "file, 64 concurrent", await appendRate([file.audit], 64, phaseMs)]);
    rows.push(["audit appends/s", "file, 1 at a time", await appendRate([file.audit], 1, phaseMs)]);
    await file.close();
    rmSync(dir, { recursive: true, force: true });

    const a = await PostgresStateStore.open({ url, log });
    const b = await PostgresStateStore.open({ url, log });
    progress("PostgreSQL trail");
    rows.push(["audit appends/s", "postgres, 64 concurrent", await appendRate([a.audit], 64, phaseMs)]);
    rows.push(["audit appends/s", "postgres, 1 at a time", await appendRate([a.audit], 1, phaseMs)]);
    rows.push(["audit appends/s", "postgres, 2 replicas x 32 concurrent", await appendRate([a.audit, b.audit], 64, phaseMs)]);
    const check = await a.audit.verifyChainHead();
    if (!check.ok) throw new Error(`the chain does not verify after the bench: ${check.problem}`);
    await a.close();
    await b.close();

    progress("sign through the API, file store");
    rows.push(["sign/s (API, DSSE)", "file store", await signRate({}, phaseMs)]);
    progress("sign through the API, PostgreSQL store");
    rows.push(["sign/s (API, DSSE)", "postgres store", await signRate({ "state-store": "postgres", "database-url": url }, phaseMs)]);
  } finally {
    await pg?.destroy();
  }
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(`\nstate store throughput (${cpus().length} × ${cpu}; ${phaseMs / 1000} s per phase)`);
  for (const [what, how, rate] of rows) console.log(`  ${what.padEnd(20)} ${how.padEnd(38)} ${rate.toFixed(0).padStart(8)}`);
  console.log(JSON.stringify(Object.fromEntries(rows.map(([w, h, r]) => [`${w} ${h}`, Math.round(r)]))));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench:state failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
