/**
 * `npm run bench`: starts a real server on a temporary data directory, drives it from separate
 * load processes over gRPC and Connect, and prints a table plus JSON (`--out <file>`).
 * `--quick` shortens every phase (the whole run stays under two minutes).
 *
 * Figures: sign (DSSE, durable), verify (through the API, beside @sigstore/verify in-process on
 * one thread on the same bundles), raw durable log appends, inclusion-proof lookups through the
 * API at 10,000 and 1,000,000 entries, start-up time to ready with 1,000,000 entries, peak RSS.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createHash } from "node:crypto";
import { bundleFromJSON, type SerializedBundle } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { Verifier, toSignedEntity, toTrustMaterial } from "@sigstore/verify";
import { KeyStore } from "../src/sigstore/keys/key-store.js";
import { bulkLoad, runAppendBench } from "./append.js";
import type { LoadResult, LoadSpec } from "./load.js";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../..");
const quick = process.argv.includes("--quick");
const outIndex = process.argv.indexOf("--out");
const outFile = outIndex > 0 ? process.argv[outIndex + 1] : undefined;
const phaseMs = quick ? 3_000 : 10_000;
const CONCURRENCY = 64;

function progress(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

interface Server {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

async function startServer(dataDir: string): Promise<Server & { readyMs: number }> {
  const t0 = performance.now();
  // Per-call log lines stay on (info), as in production; the parent drains and discards them.
  const child = spawn(process.execPath, [join(repo, "dist/src/main.js"), "serve", "--port", "0", "--data-dir", dataDir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let head = "";
  const port = await new Promise<number>((resolvePort, reject) => {
    const onData = (d: Buffer) => {
      if (head.length < 100_000) head += d.toString();
      const m = /"port":(\d+).*"msg":"certus-trust listening"/.exec(head);
      if (m) {
        child.stdout.off("data", onData);
        child.stdout.resume();
        resolvePort(Number(m[1]));
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (d: Buffer) => (head += d.toString().slice(0, 10_000)));
    child.once("exit", () => reject(new Error(`server exited before listening: ${head}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    const ok = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const readyMs = performance.now() - t0;
  return {
    child,
    url,
    readyMs,
    stop: () =>
      new Promise((r) => {
        child.once("exit", () => r());
        child.kill("SIGTERM");
      }),
  };
}

async function load(spec: LoadSpec): Promise<LoadResult> {
  const { stdout } = await run(process.execPath, [join(repo, "dist/bench/load.js"), JSON.stringify(spec)], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as LoadResult;
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function makeBundles(url: string, n: number): Promise<Array<{ bundle: SerializedBundle; digest: string; bytes: string }>> {
  const out: Array<{ bundle: SerializedBundle; digest: string; bytes: string }> = [];
  for (let i = 0; i < n; i++) {
    const bytes = `bench artifact ${i}`;
    const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    const format = i % 2 === 0 ? "SIGNATURE_FORMAT_DSSE" : "SIGNATURE_FORMAT_MESSAGE_SIGNATURE";
    const res = await fetch(`${url}/v1/sign`, { method: "POST", body: JSON.stringify({ artifact: { digest }, format }) });
    const json = (await res.json()) as { bundle: SerializedBundle };
    out.push({ bundle: json.bundle, digest, bytes });
  }
  return out;
}

/** @sigstore/verify in-process, one thread, same bundles: the reference rate. */
function anchorRate(trustedRoot: unknown, bundles: Array<{ bundle: SerializedBundle; bytes: string }>, ms: number): number {
  const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(trustedRoot)), { ctlogThreshold: 0, tlogThreshold: 1, timestampThreshold: 1 });
  const parsed = bundles.map((b) => ({ bundle: bundleFromJSON(b.bundle), bytes: Buffer.from(b.bytes) }));
  const end = performance.now() + ms;
  let n = 0;
  const start = performance.now();
  while (performance.now() < end) {
    const b = parsed[n % parsed.length]!;
    verifier.verify(toSignedEntity(b.bundle, b.bundle.content.$case === "messageSignature" ? b.bytes : undefined), { subjectAlternativeName: "certus-trust@certus.cloud" });
    n++;
  }
  return Math.round(n / ((performance.now() - start) / 1000));
}

async function proofPhase(root: string, size: number): Promise<{ proof: LoadResult; startupMs: number }> {
  const dir = join(root, `proof-${size}`);
  // First start creates the keys and the (empty) log; then bulk-load underneath it.
  const first = await startServer(dir);
  await first.stop();
  const instance = JSON.parse(readFileSync(join(dir, "instance.json"), "utf8")) as { origin: string };
  const keys = await KeyStore.open(dir);
  progress(`bulk-loading ${size.toLocaleString()} entries`);
  await bulkLoad(dir, keys.signer("tlog"), size, instance.origin);
  const starts: number[] = [];
  let server = await startServer(dir);
  starts.push(server.readyMs);
  for (let i = 0; i < 2; i++) {
    await server.stop();
    server = await startServer(dir);
    starts.push(server.readyMs);
  }
  // Latency of a lookup on an otherwise idle server (one client at a time); throughput is not the point.
  const proof = await load({ url: server.url, rpc: "proof", protocol: "grpc", concurrency: 1, durationMs: Math.min(phaseMs, 5_000), logSize: size });
  await server.stop();
  starts.sort((a, b) => a - b);
  return { proof, startupMs: Math.round(starts[1]!) };
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "certus-bench-"));
  const results: Record<string, unknown> = { machine: { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version }, quick };
  try {
    progress(`server on ${root}`);
    const server = await startServer(join(root, "main"));
    progress(`sign: DSSE, durable, gRPC, concurrency ${CONCURRENCY}, ${phaseMs / 1000} s`);
    const signGrpc = await load({ url: server.url, rpc: "sign", protocol: "grpc", concurrency: CONCURRENCY, durationMs: phaseMs });
    progress(`sign: Connect JSON over HTTP/1.1`);
    const signConnect = await load({ url: server.url, rpc: "sign", protocol: "connect", concurrency: CONCURRENCY, durationMs: Math.min(phaseMs, 5_000) });
    progress("verify: making 200 bundles");
    const bundles = await makeBundles(server.url, 200);
    const bundlesFile = join(root, "bundles.json");
    writeFileSync(bundlesFile, JSON.stringify(bundles));
    const trustedRoot = ((await (await fetch(`${server.url}/v1/keys`)).json()) as { trustedRoot: unknown }).trustedRoot;
    progress(`verify: gRPC, concurrency ${CONCURRENCY}`);
    const verifyGrpc = await load({ url: server.url, rpc: "verify", protocol: "grpc", concurrency: CONCURRENCY, durationMs: phaseMs, bundlesFile });
    const rssMb = peakRssMb(server.child.pid!);
    progress("verify: @sigstore/verify in-process, one thread (anchor)");
    const anchorPerSec = anchorRate(trustedRoot, bundles, quick ? 2_000 : 5_000);
    await server.stop();

    progress(`append: raw durable log appends, concurrency ${CONCURRENCY}`);
    const append = await runAppendBench({ durationMs: phaseMs, concurrency: CONCURRENCY, proofSizes: [] });
    progress("proof: 10,000 entries");
    const p10k = await proofPhase(root, 10_000);
    progress("proof: 1,000,000 entries (and start-up time)");
    const p1m = await proofPhase(root, 1_000_000);

    Object.assign(results, {
      sign: { perSec: signGrpc.perSec, p50Ms: signGrpc.p50Ms, p99Ms: signGrpc.p99Ms, errors: signGrpc.errors, connect: signConnect },
      verify: {
        perSec: verifyGrpc.perSec,
        p50Ms: verifyGrpc.p50Ms,
        p99Ms: verifyGrpc.p99Ms,
        errors: verifyGrpc.errors,
        ...(verifyGrpc.firstError ? { firstError: verifyGrpc.firstError } : {}),
        anchorPerSec,
      },
      append: append.append,
      proof: { p99Ms: p1m.proof.p99Ms, at10k: p10k.proof, at1m: p1m.proof },
      startupMs: p1m.startupMs,
      rssMb,
    });
    const row = (name: string, perSec: number | string, p50: number | string, p99: number | string, target: string) =>
      `${name.padEnd(34)}${String(perSec).padStart(10)}${String(p50).padStart(10)}${String(p99).padStart(10)}   ${target}`;
    const lines = [
      row("figure", "ops/s", "p50 ms", "p99 ms", "target (2 cores)"),
      row("sign DSSE durable (gRPC)", signGrpc.perSec, signGrpc.p50Ms, signGrpc.p99Ms, ">= 2,000/s, p99 <= 50 ms"),
      row("sign DSSE durable (Connect JSON)", signConnect.perSec, signConnect.p50Ms, signConnect.p99Ms, ""),
      row("verify via API (gRPC)", verifyGrpc.errors && !verifyGrpc.count ? "n/a" : verifyGrpc.perSec, verifyGrpc.p50Ms, verifyGrpc.p99Ms, ">= 3,000/s, p99 <= 20 ms"),
      row("verify @sigstore/verify 1 thread", anchorPerSec, "", "", "reference"),
      row("append durable (in-process)", append.append.perSec, append.append.p50Ms, append.append.p99Ms, ">= 5,000/s"),
      row("proof @10,000 (gRPC)", p10k.proof.perSec, p10k.proof.p50Ms, p10k.proof.p99Ms, "p99 <= 2 ms"),
      row("proof @1,000,000 (gRPC)", p1m.proof.perSec, p1m.proof.p50Ms, p1m.proof.p99Ms, "p99 <= 2 ms"),
      `start-up to ready with 1,000,000 entries: ${p1m.startupMs} ms (target <= 1,000 ms)`,
      `peak RSS of the server under sign+verify load: ${rssMb} MB (target <= 300 MB)`,
      `machine: ${cpus().length} cores, ${cpus()[0]?.model ?? "?"}, Node ${process.version}`,
    ];
    if (verifyGrpc.firstError) lines.push(`verify errors: ${verifyGrpc.errors} (first: ${verifyGrpc.firstError})`);
    process.stdout.write(`\n${lines.join("\n")}\n\n${JSON.stringify(results, null, 2)}\n`);
    if (outFile) writeFileSync(outFile, JSON.stringify(results, null, 2) + "\n");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
