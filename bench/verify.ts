/**
 * Micro-benchmark of `verifyBundle` in-process on one thread: the CPU cost of one verification of
 * the service's own bundles, by format (DSSE, message signature) and artifact form (bytes, digest
 * only), so the figure does not depend on other load on the machine the way the API figure does.
 *
 * A server is started in-process on a temporary data directory only to sign the bundles; it is
 * closed before anything is timed. The bundles are cycled as the API bench cycles them (same leaf
 * certificate within its validity, a fresh log entry and checkpoint per bundle).
 *
 *   node dist/bench/verify.js [--ms <per figure>] [--bundles <n>] [--json]
 *
 * Also reports `@sigstore/verify` alone on the same bundles (with the bytes) as the reference.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import { bundleFromJSON } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { toSignedEntity, toTrustMaterial, Verifier } from "@sigstore/verify";
import { resolveConfig } from "../src/config/config.js";
import { createLogger } from "../src/logger.js";
import { startTrustServer } from "../src/server/server.js";
import { loadTrustedRoot, verifyBundle } from "../src/sigstore/verify/index.js";

/** Default timed milliseconds per figure. */
const DEFAULT_MS = 2_000;
/** Untimed verifications per figure first, so the JIT and the caches have settled. */
const WARMUP = 50;

/** One signed bundle with its artifact. */
export interface BenchBundle {
  readonly bundle: unknown;
  readonly bytes: Buffer;
  readonly digest: string;
  readonly format: "dsse" | "message";
}

/** Verifications per second on one thread, per figure. */
export interface VerifyBenchResult {
  readonly dsseBytes: number;
  readonly dsseDigest: number;
  readonly messageBytes: number;
  readonly messageDigest: number;
  /** `@sigstore/verify` alone with the bytes, both formats mixed (the reference). */
  readonly library: number;
}

/** Signs `n` bundles (alternating DSSE and message signature) on a temporary in-process server. */
export async function signBenchBundles(n: number): Promise<{ bundles: BenchBundle[]; trustedRoot: unknown }> {
  const dir = mkdtempSync(join(tmpdir(), "certus-bench-verify-"));
  const config = resolveConfig({ port: "0", host: "127.0.0.1", "data-dir": dir, "log-level": "silent" }, {});
  const server = await startTrustServer(config, createLogger("silent", new Writable({ write: (_c, _e, cb) => cb() })));
  try {
    const bundles: BenchBundle[] = [];
    for (let i = 0; i < n; i++) {
      const bytes = Buffer.from(`bench artifact ${i}`);
      const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
      const format = i % 2 === 0 ? "dsse" : "message";
      const res = await fetch(`${server.url}/v1/sign`, {
        method: "POST",
        body: JSON.stringify({ artifact: { digest }, format: format === "dsse" ? "SIGNATURE_FORMAT_DSSE" : "SIGNATURE_FORMAT_MESSAGE_SIGNATURE" }),
      });
      const json = (await res.json()) as { bundle: unknown };
      bundles.push({ bundle: json.bundle, bytes, digest, format });
    }
    const keys = (await (await fetch(`${server.url}/v1/keys`)).json()) as { trustedRoot: unknown };
    return { bundles, trustedRoot: keys.trustedRoot };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Verifications per second of this thread's CPU time (user + system), not of wall time: the
 * machine may be shared, and a wall-clock rate would then measure the neighbours.
 */
function rate(ms: number, step: (i: number) => void): number {
  for (let i = 0; i < WARMUP; i++) step(i);
  const cpu0 = process.cpuUsage();
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) step(n++);
  const cpu = process.cpuUsage(cpu0);
  return Math.round(n / ((cpu.user + cpu.system) / 1e6));
}

/** Measures every figure on the given bundles. */
export function measureVerify(bundles: readonly BenchBundle[], trustedRoot: unknown, ms = DEFAULT_MS): VerifyBenchResult {
  const root = loadTrustedRoot(trustedRoot);
  const expected = { subject: "certus-trust@certus.cloud" };
  const figure = (format: BenchBundle["format"], mode: "bytes" | "digest") => {
    const chosen = bundles.filter((b) => b.format === format);
    return rate(ms, (i) => {
      const b = chosen[i % chosen.length]!;
      const r = verifyBundle({ bundle: b.bundle, artifact: mode === "bytes" ? { content: b.bytes } : { digest: b.digest }, trustedRoot: root, expected });
      if (!r.verified) throw new Error(`bench bundle not verified: ${r.failures.map((f) => `${f.code}: ${f.message}`).join("; ")}`);
    });
  };
  const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(trustedRoot)), { ctlogThreshold: 0, tlogThreshold: 1, timestampThreshold: 1 });
  const parsed = bundles.map((b) => ({ bundle: bundleFromJSON(b.bundle), bytes: b.bytes }));
  return {
    dsseBytes: figure("dsse", "bytes"),
    dsseDigest: figure("dsse", "digest"),
    messageBytes: figure("message", "bytes"),
    messageDigest: figure("message", "digest"),
    library: rate(ms, (i) => {
      const b = parsed[i % parsed.length]!;
      verifier.verify(toSignedEntity(b.bundle, b.bytes));
    }),
  };
}

async function main(): Promise<void> {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const ms = Number(arg("--ms") ?? DEFAULT_MS);
  const n = Number(arg("--bundles") ?? 200);
  const { bundles, trustedRoot } = await signBenchBundles(n);
  const result = measureVerify(bundles, trustedRoot, ms);
  if (process.argv.includes("--json")) {
    process.stdout.write(JSON.stringify(result) + "\n");
    return;
  }
  const row = (name: string, perSec: number) => `${name.padEnd(40)}${String(perSec).padStart(10)}  (${(1000 / perSec).toFixed(3)} ms)`;
  process.stdout.write(
    [
      row("verifyBundle DSSE, bytes", result.dsseBytes),
      row("verifyBundle DSSE, digest only", result.dsseDigest),
      row("verifyBundle message, bytes", result.messageBytes),
      row("verifyBundle message, digest only", result.messageDigest),
      row("@sigstore/verify alone, bytes", result.library),
    ].join("\n") + "\n",
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
