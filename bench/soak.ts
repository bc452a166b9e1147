/**
 * `npm run soak -- --minutes 10 [--rate <pairs/s>]`: a long steady load on a real server process.
 *
 * One operation is a pair: Sign (DSSE, durable) of a fresh artifact, then Verify of the bundle it
 * returned, over gRPC. Unless `--rate` is given, the capacity is measured first (closed loop,
 * concurrency 32, 10 s) and the soak runs open loop at half of it: calls start on a fixed
 * schedule whether or not earlier ones have finished, so a slowing server shows up as latency.
 *
 * Pass criteria (printed, and the exit code is 1 if one fails): zero errors; p99 stable (no
 * minute's p99 above twice the first full minute's); server RSS (VmRSS from /proc/<pid>/status,
 * sampled every 5 s) flat within 10 % after warm-up (the first minute, or a quarter of a short
 * run). Runs outside the test command.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { SignatureFormat, TrustService } from "@certus/trust-sdk";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../..");

/** Capacity measurement: closed loop at this concurrency for this long. */
const CAPACITY_CONCURRENCY = 32;
const CAPACITY_MS = 10_000;
/** RSS sampling interval, ms. */
const RSS_EVERY_MS = 5_000;
/** Largest allowed spread of RSS after warm-up (max / min - 1). */
const RSS_TOLERANCE = 0.1;
/** A minute's p99 may be at most this many times the first full minute's. */
const P99_GROWTH = 2;
/** Calls in flight beyond which the soak counts the server as overloaded (an error). */
const MAX_IN_FLIGHT = 2_000;

function log(msg: string): void {
  process.stderr.write(`[soak] ${msg}\n`);
}

async function startServer(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(repo, "dist/src/main.js"), "serve", "--port", "0", "--data-dir", dataDir], { stdio: ["ignore", "pipe", "pipe"] });
  let head = "";
  const port = await new Promise<number>((resolvePort, reject) => {
    const onData = (d: Buffer) => {
      if (head.length < 100_000) head += d.toString();
      const m = /"port":(\d+).*"msg":"certus-trust listening"/.exec(head);
      if (m) {
        child.stdout.off("data", onData);
        child.stdout.resume(); // drain and discard the per-call log lines
        resolvePort(Number(m[1]));
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (d: Buffer) => (head += d.toString().slice(0, 10_000)));
    child.once("exit", () => reject(new Error(`server exited before listening: ${head}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  return kb / 1024;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** One Sign then one Verify; resolves with both latencies in ms, rejects on any failure. */
function pairFactory(client: Client<typeof TrustService>) {
  let n = 0;
  return async (): Promise<{ signMs: number; verifyMs: number }> => {
    const i = n++;
    const digest = `sha256:${createHash("sha256").update(`soak-${process.pid}-${i}`).digest("hex")}`;
    const t0 = performance.now();
    const signed = await client.sign({ artifact: { uri: `oci://soak/app@${i}`, digest }, format: SignatureFormat.DSSE });
    const t1 = performance.now();
    const verdict = await client.verify({ artifact: { digest }, bundle: signed.bundle, expectedSigner: { subject: "certus-trust@certus.cloud" } });
    const t2 = performance.now();
    if (!verdict.verified) throw new Error(`not verified: ${verdict.failures.map((f) => f.code).join(",")}`);
    return { signMs: t1 - t0, verifyMs: t2 - t1 };
  };
}

async function measureCapacity(pair: () => Promise<unknown>): Promise<number> {
  await Promise.all(Array.from({ length: 8 }, () => pair().catch(() => undefined))); // warm-up
  let done = 0;
  const end = performance.now() + CAPACITY_MS;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CAPACITY_CONCURRENCY }, async () => {
      while (performance.now() < end) {
        await pair();
        done++;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

interface Minute {
  pairs: number;
  errors: number;
  sign: number[];
  verify: number[];
  pair: number[];
  rss: number[];
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { minutes: { type: "string", default: "10" }, rate: { type: "string" } } });
  const minutes = Number(values.minutes);
  if (!(minutes > 0)) throw new TypeError("--minutes must be a positive number");
  const root = mkdtempSync(join(tmpdir(), "certus-soak-"));
  const server = await startServer(join(root, "data"));
  try {
    const client = createClient(TrustService, createGrpcTransport({ baseUrl: server.url }));
    const pair = pairFactory(client);
    let rate = values.rate === undefined ? undefined : Number(values.rate);
    let capacity: number | undefined;
    if (rate === undefined) {
      log(`measuring sign+verify capacity: closed loop, concurrency ${CAPACITY_CONCURRENCY}, ${CAPACITY_MS / 1000} s`);
      capacity = await measureCapacity(pair);
      rate = capacity / 2;
    }
    if (!(rate > 0)) throw new TypeError("--rate must be a positive number of pairs per second");
    log(
      `soak: ${rate.toFixed(1)} pairs/s (sign + verify) for ${minutes} min${capacity ? ` (capacity ${capacity.toFixed(1)} pairs/s)` : ""}; server pid ${server.child.pid}`,
    );

    const durationMs = minutes * 60_000;
    const bucketMs = Math.min(60_000, durationMs);
    const buckets: Minute[] = Array.from({ length: Math.ceil(durationMs / bucketMs) }, () => ({
      pairs: 0,
      errors: 0,
      sign: [],
      verify: [],
      pair: [],
      rss: [],
    }));
    const errors: string[] = [];
    const start = performance.now();
    const rssTimer = setInterval(() => {
      const b = buckets[Math.floor((performance.now() - start) / bucketMs)];
      b?.rss.push(rssMb(server.child.pid!));
    }, RSS_EVERY_MS);
    let inFlight = 0;
    let maxInFlight = 0;
    const calls: Promise<void>[] = [];
    const interval = 1000 / rate;
    for (let k = 0; ; k++) {
      const due = start + k * interval;
      if (due - start >= durationMs) break;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const bucket = buckets[Math.min(buckets.length - 1, Math.floor((due - start) / bucketMs))]!;
      if (inFlight >= MAX_IN_FLIGHT) {
        bucket.errors++;
        errors.push("overloaded: too many calls in flight");
        continue;
      }
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const t0 = performance.now();
      calls.push(
        pair()
          .then(
            (r) => {
              bucket.pairs++;
              bucket.sign.push(r.signMs);
              bucket.verify.push(r.verifyMs);
              bucket.pair.push(performance.now() - t0);
            },
            (err: unknown) => {
              bucket.errors++;
              if (errors.length < 5) errors.push(err instanceof Error ? err.message : String(err));
            },
          )
          .finally(() => inFlight--),
      );
      if (calls.length > 10_000) void calls.splice(0, 5_000); // settled ones are counted already (each handles its own rejection)
    }
    await Promise.all(calls);
    clearInterval(rssTimer);

    const rows = buckets.map((b, i) => {
      for (const a of [b.sign, b.verify, b.pair]) a.sort((x, y) => x - y);
      const rss = b.rss.length ? b.rss.reduce((s, v) => s + v, 0) / b.rss.length : NaN;
      return {
        minute: i + 1,
        pairs: b.pairs,
        perSec: b.pairs / (bucketMs / 1000),
        errors: b.errors,
        signP50: percentile(b.sign, 50),
        signP99: percentile(b.sign, 99),
        verifyP99: percentile(b.verify, 99),
        pairP99: percentile(b.pair, 99),
        rssMb: rss,
      };
    });
    const warmupMs = Math.min(60_000, durationMs / 4);
    const rssAfterWarmup = buckets.flatMap((b, i) => b.rss.filter((_, j) => i * bucketMs + (j + 1) * RSS_EVERY_MS > warmupMs));
    const rssSpread = rssAfterWarmup.length > 1 ? Math.max(...rssAfterWarmup) / Math.min(...rssAfterWarmup) - 1 : 0;
    const firstP99 = rows[0]!.pairP99;
    const p99Stable = rows.every((r) => r.pairP99 <= P99_GROWTH * Math.max(firstP99, 1));
    const totalErrors = rows.reduce((s, r) => s + r.errors, 0);

    const f = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : "-");
    const table = [
      `${"minute".padEnd(7)}${"pairs".padStart(8)}${"pairs/s".padStart(9)}${"errors".padStart(8)}${"sign p50".padStart(10)}${"sign p99".padStart(10)}${"verify p99".padStart(12)}${"pair p99".padStart(10)}${"RSS MB".padStart(9)}`,
      ...rows.map(
        (r) =>
          `${String(r.minute).padEnd(7)}${String(r.pairs).padStart(8)}${f(r.perSec).padStart(9)}${String(r.errors).padStart(8)}${f(r.signP50).padStart(10)}${f(r.signP99).padStart(10)}${f(r.verifyP99).padStart(12)}${f(r.pairP99).padStart(10)}${f(r.rssMb).padStart(9)}`,
      ),
    ];
    const verdicts = [
      `errors: ${totalErrors} ${totalErrors === 0 ? "(pass)" : `(FAIL; first: ${errors.join(" | ")})`}`,
      `p99 per minute (pair, ms): ${rows.map((r) => f(r.pairP99, 0)).join(", ")} ${p99Stable ? "(pass: stable" : "(FAIL: grew"} within ${P99_GROWTH}x of minute 1)`,
      `RSS after ${f(warmupMs / 1000, 0)} s warm-up: ${f(Math.min(...rssAfterWarmup))}..${f(Math.max(...rssAfterWarmup))} MB, spread ${f(rssSpread * 100)} % ${rssSpread <= RSS_TOLERANCE ? "(pass" : "(FAIL"}: limit ${RSS_TOLERANCE * 100} %)`,
      `rate ${f(rate)} pairs/s${capacity ? ` = half the measured capacity of ${f(capacity)} pairs/s` : " (given)"}; most calls in flight ${maxInFlight}`,
      `machine: ${cpus().length} cores, ${cpus()[0]?.model ?? "?"}, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}, Node ${process.version}`,
    ];
    process.stdout.write(`\n${table.join("\n")}\n\n${verdicts.join("\n")}\n`);
    return totalErrors === 0 && p99Stable && rssSpread <= RSS_TOLERANCE ? 0 : 1;
  } finally {
    await new Promise<void>((r) => {
      server.child.once("exit", () => r());
      server.child.kill("SIGTERM");
    });
    rmSync(root, { recursive: true, force: true });
  }
}

process.exit(await main());
