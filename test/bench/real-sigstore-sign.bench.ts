/**
 * Sign throughput and latency in `mode: sigstore` against the real Fulcio, timestamp-authority
 * and rekor-tiles (test/helpers/sigstore-stack.ts), at several concurrencies. Rekor v2 answers a
 * write only once a checkpoint covers it, so a Sign's latency is bounded below by the log's
 * batching (--batch-max-age) and checkpoint interval (--checkpoint-interval), both stated in the
 * output; throughput then comes from many signs in flight at once.
 *
 *   npm run bench:real-sigstore                     (BENCH_SECONDS=10, BENCH_CONCURRENCY=1,16,64,
 *                                                    BENCH_CHECKPOINT_MS=1000, BENCH_BATCH_MS=250)
 *
 * Everything (servers, the service, the load) shares this machine: the figures are the
 * service's on this hardware, not the servers' capacity.
 */
import { createHash } from "node:crypto";
import { cpus } from "node:os";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startOidcProvider, type TestOidcProvider } from "../helpers/oidc-provider.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { REAL_SIGSTORE_VERSIONS, realSigstoreMissing, startRealSigstore, writeServiceToken, type RealSigstoreStack } from "../helpers/sigstore-stack.js";

const SECONDS = Number(process.env["BENCH_SECONDS"] ?? 10);
const CONCURRENCY = (process.env["BENCH_CONCURRENCY"] ?? "1,16,64").split(",").map(Number);
const CHECKPOINT_MS = Number(process.env["BENCH_CHECKPOINT_MS"] ?? 1000);
const BATCH_MS = Number(process.env["BENCH_BATCH_MS"] ?? 250);
const IDENTITY = "certus-trust@certus.example";

let idp: TestOidcProvider;
let stack: RealSigstoreStack;
let svc: TestServer;

beforeAll(async () => {
  const missing = realSigstoreMissing();
  if (missing) throw new Error(`the real Sigstore servers are ${missing}`);
  idp = await startOidcProvider({ idTokenTtlSec: 3600 });
  stack = await startRealSigstore({ idp, checkpointIntervalMs: CHECKPOINT_MS, batchMaxAgeMs: BATCH_MS });
  const token = await writeServiceToken(idp, IDENTITY, stack.dir);
  svc = await startTestServer({
    mode: "sigstore",
    "fulcio-url": stack.fulcioUrl,
    "rekor-url": stack.rekorUrl,
    "rekor-version": "2",
    "rekor-read-url": stack.rekorReadUrl,
    "tsa-url": stack.tsaUrl,
    "trusted-root-file": stack.trustedRootFile,
    "oidc-token-file": token,
    identity: IDENTITY,
    issuer: idp.issuer,
    "verify-workers": "0",
    "log-level": "warn",
  });
});

afterAll(async () => {
  await svc?.stop();
  await stack?.stop();
  await idp?.stop();
});

const pct = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 10) / 10;

async function run(concurrency: number) {
  const until = Date.now() + SECONDS * 1000;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let n = 0;
  const worker = async () => {
    while (Date.now() < until) {
      const i = n++;
      const digest = `sha256:${createHash("sha256").update(`bench-${process.pid}-${concurrency}-${i}`).digest("hex")}`;
      const t0 = performance.now();
      const res = await fetch(`${svc.url}/v1/sign`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ artifact: { uri: `oci://bench/app@${i}`, digest } }),
      });
      const body = await res.text();
      if (res.status === 200) latencies.push(performance.now() - t0);
      else {
        errors++;
        firstError ??= `${res.status} ${body.slice(0, 200)}`;
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const secs = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    signs: latencies.length,
    errors,
    ...(firstError ? { firstError } : {}),
    perSec: Math.round((latencies.length / secs) * 10) / 10,
    p50Ms: pct(latencies, 50),
    p99Ms: pct(latencies, 99),
  };
}

it("Sign against real rekor-tiles: throughput and p50/p99 by concurrency", async () => {
  const results = [];
  for (const c of CONCURRENCY) results.push(await run(c));
  const report = {
    servers: REAL_SIGSTORE_VERSIONS,
    rekor: { checkpointIntervalMs: CHECKPOINT_MS, batchMaxAgeMs: BATCH_MS },
    format: "DSSE over Connect JSON (REST /v1/sign)",
    machine: { cpus: cpus().length, model: cpus()[0]?.model },
    secondsPerLevel: SECONDS,
    results,
  };
  console.log(`[bench real-sigstore] ${JSON.stringify(report)}`);
  for (const r of results) expect(r.errors, r.firstError).toBe(0);
});
