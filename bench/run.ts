/**
 * `npm run bench`: starts a real server on an ephemeral port and a temporary data directory,
 * drives it from separate client processes pinned to one core, and prints a table plus JSON
 * (`--out <file>`). `--quick` shortens every phase (the whole run stays under about two minutes).
 *
 * Every gRPC figure comes from grpcload (bench/grpcload/, a Go HTTP/2 client costing a few
 * microseconds per call) and is set against the **ceiling** measured in the same run: the empty
 * RPC `grpc.health.v1.Health/Check` through the same server, i.e. what one event loop carries for
 * HTTP/2 and protobuf alone (measured before and after sign and verify; the mean is the ceiling).
 * h2load measures the ceiling once more as a cross-check of the client. The Node.js client
 * (bench/load.ts) still gives the Connect JSON figure.
 *
 * Figures: ceiling; sign (DSSE, durable) and verify (over more distinct bundles, each with its own
 * leaf certificate, than the verifier's certificate memo holds; see mint.ts) closed loop, with
 * their ratio to the ceiling; their p99 in open loop at half the measured maximum; @sigstore/verify
 * in-process on one thread on the same bundles; peak RSS of the server under that load; raw
 * durable log appends; inclusion-proof lookups at 10,000 and 1,000,000 entries; start-up time.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { peakRssMb, startServer } from "./server.js";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { bundleFromJSON } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { Verifier, toSignedEntity, toTrustMaterial } from "@sigstore/verify";
import { KeyStore } from "../src/sigstore/keys/key-store.js";
import { bulkLoad, runAppendBench } from "./append.js";
import type { LoadResult, LoadSpec } from "./load.js";
import { checkMintedBundles, mintBundles, MINT_IDENTITY, type MintedBundle } from "./mint.js";
import { PATHS, writeCeilingBodies, writeSignBodies, writeVerifyBodies } from "./grpc-bodies.js";
import { CLIENT_CPU, CONNECTIONS, STREAMS, grpcload, h2load, type GrpcLoadResult } from "./grpc-load.js";
import { evaluateTargets, formatTargets } from "./targets.js";
import { formatWorkersRows, workersPhase, type WorkersRow } from "./workers-phase.js";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../..");
const quick = process.argv.includes("--quick");
const outIndex = process.argv.indexOf("--out");
const outFile = outIndex > 0 ? process.argv[outIndex + 1] : undefined;
const phaseMs = quick ? 3_000 : 10_000;
/**
 * `--workers N`: processes serving the port under measurement (`serve --workers`); default 1.
 * `--workers 1,2`: the main phases with the first count, then the workers phase compares every
 * count listed (ceiling, sign, verify; `workers-phase.ts`).
 */
const workersIndex = process.argv.indexOf("--workers");
const WORKER_COUNTS = (workersIndex > 0 ? (process.argv[workersIndex + 1] ?? "1") : "1").split(",").map((n) => Math.max(1, Number(n) || 1));
const WORKERS = WORKER_COUNTS[0] ?? 1;
const CONCURRENCY = CONNECTIONS * STREAMS;
/** Distinct bundles verify cycles over: far more than the leaves the certificate memo holds (64 per thread, src/sigstore/verify/certificate-memo.ts). */
const DISTINCT_BUNDLES = quick ? 1_200 : 2_400;
/** Distinct sign requests (artifacts) sign cycles over. */
const SIGN_BODIES = 4_096;

const benchStart = performance.now();
function progress(msg: string): void {
  process.stderr.write(`[bench ${((performance.now() - benchStart) / 1000).toFixed(0).padStart(3)} s] ${msg}\n`);
}

async function load(spec: LoadSpec): Promise<LoadResult> {
  const argv = [process.execPath, join(repo, "dist/bench/load.js"), JSON.stringify(spec)];
  const [file, args] = CLIENT_CPU === undefined ? [argv[0]!, argv.slice(1)] : ["taskset", ["-c", String(CLIENT_CPU), ...argv]];
  const { stdout } = await run(file, args, { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as LoadResult;
}

/**
 * @sigstore/verify in-process, one thread, on the same bundles: the reference rate (wall clock,
 * like the server's figure), on its default policy: the embedded CT log's SCT, the log entry and
 * the timestamp are all required.
 */
function anchorRate(trustedRoot: unknown, bundles: readonly MintedBundle[], ms: number): number {
  const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(trustedRoot)), { tlogThreshold: 1, timestampThreshold: 1 });
  const parsed = bundles.map((b) => bundleFromJSON(b.bundle));
  const policy = { subjectAlternativeName: MINT_IDENTITY };
  for (let i = 0; i < Math.min(20, parsed.length); i++) verifier.verify(toSignedEntity(parsed[i]!), policy);
  const end = performance.now() + ms;
  let n = 0;
  const start = performance.now();
  while (performance.now() < end) {
    verifier.verify(toSignedEntity(parsed[n % parsed.length]!), policy);
    n++;
  }
  return Math.round(n / ((performance.now() - start) / 1000));
}

function loadAverage(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
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

const round2 = (x: number) => Math.round(x * 100) / 100;

async function main(): Promise<void> {
  const tools = (await import(pathToFileURL(join(repo, "scripts/setup-bench-tools.mjs")).href)) as { ensureBenchTools(): string };
  const grpcloadBin = tools.ensureBenchTools();
  const root = mkdtempSync(join(tmpdir(), "certus-bench-"));
  const loadBefore = loadAverage();
  const results: Record<string, unknown> = {
    machine: { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadAverage: loadBefore },
    workers: WORKERS,
    quick,
    client: {
      tool: "grpcload (Go, golang.org/x/net/http2)",
      crossCheck: "h2load",
      pinnedCpu: CLIENT_CPU ?? null,
      connections: CONNECTIONS,
      streamsPerConnection: STREAMS,
    },
  };
  try {
    const dataDir = join(root, "main");
    progress(`minting ${DISTINCT_BUNDLES.toLocaleString()} bundles, each with its own key and leaf certificate`);
    const t0 = performance.now();
    const minted = await mintBundles(dataDir, DISTINCT_BUNDLES);
    progress(`minted in ${Math.round(performance.now() - t0)} ms`);
    const bodies = { ceiling: join(root, "ceiling.bin"), sign: join(root, "sign.bin"), verify: join(root, "verify.bin") };
    writeCeilingBodies(bodies.ceiling);
    writeSignBodies(bodies.sign, SIGN_BODIES);
    writeVerifyBodies(bodies.verify, minted, MINT_IDENTITY);

    progress(`server on ${root}; clients pinned to ${CLIENT_CPU === undefined ? "no core (one-core machine)" : `CPU ${CLIENT_CPU}`}`);
    const server = await startServer(dataDir, [], WORKERS);
    await checkMintedBundles(server.url, minted, 20);
    const phase = (rpc: keyof typeof PATHS, rps?: number): Promise<GrpcLoadResult> =>
      grpcload(grpcloadBin, { url: server.url, path: PATHS[rpc], bodies: bodies[rpc], durationMs: phaseMs, rpc, ...(rps ? { rps } : {}) });

    progress(`ceiling: ${PATHS.ceiling}, ${CONCURRENCY} in flight, ${phaseMs / 1000} s`);
    const ceilingBefore = await phase("ceiling");
    progress("ceiling again with h2load (cross-check of the client)");
    const ceilingH2load = await h2load({ url: server.url, path: PATHS.ceiling, body: bodies.ceiling, durationMs: phaseMs });
    progress(`sign: DSSE, durable, ${SIGN_BODIES.toLocaleString()} distinct artifacts`);
    const signGrpc = await phase("sign");
    progress(`verify: ${DISTINCT_BUNDLES.toLocaleString()} distinct bundles, cycled`);
    const verifyGrpc = await phase("verify");
    progress("ceiling again");
    const ceilingAfter = await phase("ceiling");
    const ceilingPerSec = Math.round((ceilingBefore.perSec + ceilingAfter.perSec) / 2);
    const signHalf = Math.max(1, Math.round(signGrpc.perSec / 2));
    const verifyHalf = Math.max(1, Math.round(verifyGrpc.perSec / 2));
    progress(`sign: open loop at ${signHalf}/s (half the maximum)`);
    const signOpen = await phase("sign", signHalf);
    progress(`verify: open loop at ${verifyHalf}/s (half the maximum)`);
    const verifyOpen = await phase("verify", verifyHalf);
    const rssMb = peakRssMb(server.child.pid!);
    progress("sign: Connect JSON over HTTP/1.1 (Node.js client)");
    const signConnect = await load({ url: server.url, rpc: "sign", protocol: "connect", concurrency: CONCURRENCY, durationMs: Math.min(phaseMs, 5_000) });
    const trustedRoot = ((await (await fetch(`${server.url}/v1/keys`)).json()) as { trustedRoot: unknown }).trustedRoot;
    await server.stop();
    progress("verify: @sigstore/verify in-process, one thread, same bundles (anchor)");
    const anchorPerSec = anchorRate(trustedRoot, minted, quick ? 2_000 : 5_000);
    const loadDuring = loadAverage();
    const workersRows: WorkersRow[] =
      WORKER_COUNTS.length > 1
        ? await workersPhase({
            counts: WORKER_COUNTS,
            dataDir,
            measure: (url, rpc) => grpcload(grpcloadBin, { url, path: PATHS[rpc], bodies: bodies[rpc], durationMs: phaseMs, rpc }),
            progress,
          })
        : [];

    progress(`append: raw durable log appends, concurrency ${CONCURRENCY}`);
    const append = await runAppendBench({ durationMs: phaseMs, concurrency: CONCURRENCY, proofSizes: [] });
    progress("proof: 10,000 entries");
    const p10k = await proofPhase(root, 10_000);
    progress("proof: 1,000,000 entries (and start-up time)");
    const p1m = await proofPhase(root, 1_000_000);

    const ratio = (r: GrpcLoadResult) => (ceilingPerSec > 0 ? round2(r.perSec / ceilingPerSec) : NaN);
    const figures = {
      "sign.ratio": ratio(signGrpc),
      "verify.ratio": ratio(verifyGrpc),
      "verify.vsSigstoreJs": anchorPerSec > 0 ? round2(verifyGrpc.perSec / anchorPerSec) : NaN,
      "sign.p99AtHalfMs": signOpen.errors ? NaN : signOpen.p99Ms,
      "verify.p99AtHalfMs": verifyOpen.errors ? NaN : verifyOpen.p99Ms,
      rssMb,
    };
    const targets = evaluateTargets(figures);
    const errorsOf = (r: GrpcLoadResult) => ({ errors: r.errors, ...(r.firstError ? { firstError: r.firstError } : {}) });
    Object.assign(results, {
      ceiling: {
        perSec: ceilingPerSec,
        p50Ms: ceilingBefore.p50Ms,
        p99Ms: ceilingBefore.p99Ms,
        runs: [ceilingBefore.perSec, ceilingAfter.perSec],
        h2loadPerSec: ceilingH2load.perSec,
        h2loadFailed: ceilingH2load.failed,
      },
      sign: {
        perSec: signGrpc.perSec,
        p50Ms: signGrpc.p50Ms,
        p99Ms: signGrpc.p99Ms,
        ...errorsOf(signGrpc),
        ratio: figures["sign.ratio"],
        p99AtHalfMs: figures["sign.p99AtHalfMs"],
        atHalf: { rps: signHalf, perSec: signOpen.perSec, p50Ms: signOpen.p50Ms, p99Ms: signOpen.p99Ms, ...errorsOf(signOpen) },
        connect: signConnect,
      },
      verify: {
        perSec: verifyGrpc.perSec,
        p50Ms: verifyGrpc.p50Ms,
        p99Ms: verifyGrpc.p99Ms,
        ...errorsOf(verifyGrpc),
        distinctBundles: DISTINCT_BUNDLES,
        anchorPerSec,
        ratio: figures["verify.ratio"],
        vsSigstoreJs: figures["verify.vsSigstoreJs"],
        p99AtHalfMs: figures["verify.p99AtHalfMs"],
        atHalf: { rps: verifyHalf, perSec: verifyOpen.perSec, p50Ms: verifyOpen.p50Ms, p99Ms: verifyOpen.p99Ms, ...errorsOf(verifyOpen) },
      },
      append: append.append,
      proof: { p99Ms: p1m.proof.p99Ms, at10k: p10k.proof, at1m: p1m.proof },
      startupMs: p1m.startupMs,
      rssMb,
      ...(workersRows.length > 0 ? { workersPhase: workersRows } : {}),
      targets: Object.fromEntries(targets.map((t) => [t.key, { value: t.value, target: `${t.op} ${t.bound}`, met: t.met }])),
    });
    (results.machine as Record<string, unknown>).loadAverageAfterServerPhases = loadDuring;
    const row = (name: string, perSec: number | string, p50: number | string, p99: number | string, extra: string) =>
      `${name.padEnd(40)}${String(perSec).padStart(9)}${String(p50).padStart(9)}${String(p99).padStart(9)}   ${extra}`;
    const ratioText = (r: GrpcLoadResult) => `ratio ${ratio(r)}`;
    const errText = (r: { errors: number; firstError?: string }) => (r.errors ? `  ERRORS ${r.errors} (first: ${r.firstError})` : "");
    const lines = [
      row("figure", "ops/s", "p50 ms", "p99 ms", ""),
      row(
        "ceiling: Health/Check (gRPC)",
        ceilingPerSec,
        ceilingBefore.p50Ms,
        ceilingBefore.p99Ms,
        `= 1 (runs ${ceilingBefore.perSec}, ${ceilingAfter.perSec}; h2load ${ceilingH2load.perSec}/s)`,
      ),
      row("sign DSSE durable (gRPC)", signGrpc.perSec, signGrpc.p50Ms, signGrpc.p99Ms, ratioText(signGrpc) + errText(signGrpc)),
      row(
        `verify, ${DISTINCT_BUNDLES} distinct bundles (gRPC)`,
        verifyGrpc.perSec,
        verifyGrpc.p50Ms,
        verifyGrpc.p99Ms,
        ratioText(verifyGrpc) + errText(verifyGrpc),
      ),
      row(`sign, open loop at ${signHalf}/s`, signOpen.perSec, signOpen.p50Ms, signOpen.p99Ms, "p99 at half the maximum" + errText(signOpen)),
      row(`verify, open loop at ${verifyHalf}/s`, verifyOpen.perSec, verifyOpen.p50Ms, verifyOpen.p99Ms, "p99 at half the maximum" + errText(verifyOpen)),
      row("verify @sigstore/verify 1 thread", anchorPerSec, "", "", `in-process, same bundles; API/this = ${figures["verify.vsSigstoreJs"]}`),
      row("sign DSSE durable (Connect JSON, Node)", signConnect.perSec, signConnect.p50Ms, signConnect.p99Ms, errText(signConnect)),
      row("append durable (in-process)", append.append.perSec, append.append.p50Ms, append.append.p99Ms, ""),
      row("proof @10,000 (gRPC, 1 client)", p10k.proof.perSec, p10k.proof.p50Ms, p10k.proof.p99Ms, ""),
      row("proof @1,000,000 (gRPC, 1 client)", p1m.proof.perSec, p1m.proof.p50Ms, p1m.proof.p99Ms, ""),
      `start-up to ready with 1,000,000 entries: ${p1m.startupMs} ms`,
      `peak RSS of the server under sign+verify load: ${rssMb} MB`,
      ...(workersRows.length > 0
        ? ["", `workers phase (serve --workers N; gRPC, ${CONCURRENCY} in flight, ${phaseMs / 1000} s each):`, ...formatWorkersRows(workersRows)]
        : []),
      "",
      "targets (issue 20):",
      ...formatTargets(targets),
      "",
      `machine: ${cpus().length} cores, ${cpus()[0]?.model ?? "?"}, Node ${process.version}; load average ${loadBefore.join(" ")} at the start, ${loadDuring.join(" ")} after the server phases`,
      `clients: grpcload ${CONNECTIONS} connections x ${STREAMS} streams, ${CLIENT_CPU === undefined ? "not pinned" : `pinned to CPU ${CLIENT_CPU} (taskset)`}; server not pinned, ${WORKERS} worker process(es) (--workers ${WORKERS})`,
    ];
    process.stdout.write(`\n${lines.join("\n")}\n\n${JSON.stringify(results, null, 2)}\n`);
    if (outFile) writeFileSync(outFile, JSON.stringify(results, null, 2) + "\n");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
