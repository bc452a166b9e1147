/**
 * Benchmark of the embedded transparency log.
 *
 * - append: durable appends per second with `concurrency` callers for `durationMs`, and the
 *   latency each caller saw (p50/p99, ms) — a latency includes waiting for the group commit.
 * - inclusionProof: p50/p99 of `inclusionProof(index)` for random indexes of logs of each size
 *   in `proofSizes` (bulk-loaded through the store, not through `append`, to keep the run short).
 * - open: time to open the largest of those logs (frontier from O(log n) stored hashes).
 *
 * Run after `tsc -b`: `node dist/bench/append.js` prints the JSON result; the bench runner calls
 * {@link runAppendBench}. Targets on a 2-core machine: >= 5,000 appends/s, proof p99 <= 2 ms,
 * open <= 1 s at 1,000,000 entries.
 */
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { json } from "@sigstore/core";
import type { KeySigner } from "../src/sigstore/keys/key-signer.js";
import { signCheckpoint } from "../src/sigstore/rekor/checkpoint.js";
import { Frontier } from "../src/sigstore/embedded/tlog/frontier.js";
import { EmbeddedTransparencyLog } from "../src/sigstore/embedded/tlog/log.js";
import { LogStore, type StoredEntry } from "../src/sigstore/embedded/tlog/store.js";

/** Options of {@link runAppendBench}; every one has a default. */
export interface AppendBenchOptions {
  /** Length of the append phase, ms. Default 10,000. */
  readonly durationMs?: number;
  /** Concurrent appenders. Default 64. */
  readonly concurrency?: number;
  /** Log sizes at which proof lookups are measured. Default [10,000, 1,000,000]. */
  readonly proofSizes?: readonly number[];
  /** Random proof lookups per size. Default 10,000. */
  readonly proofSamples?: number;
}

export interface Percentiles {
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface AppendBenchResult {
  readonly append: Percentiles & { readonly perSec: number; readonly entries: number; readonly batches: number };
  /** Keyed by log size. */
  readonly inclusionProof: Record<string, Percentiles>;
  /** Time to open the largest bulk-loaded log, ms. */
  readonly open: { readonly entries: number; readonly ms: number };
}

const ORIGIN = "bench.tlog.certus.example";

function benchSigner(): KeySigner {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    name: "bench-log-key",
    publicKeySpki: publicKey.export({ format: "der", type: "spki" }),
    publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
    sign: (data) => Promise.resolve(sign("sha256", data, privateKey)),
  };
}

function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  return { p50Ms: round(at(0.5)), p99Ms: round(at(0.99)) };
}

/** A realistic hashedrekord/0.0.1 body (~600 bytes, like a Rekor entry with a PEM key). */
function hashedRekordBody(n: number, publicKeyPemB64: string): Buffer {
  const digest = n.toString(16).padStart(64, "0");
  return Buffer.from(
    json.canonicalize({
      apiVersion: "0.0.1",
      kind: "hashedrekord",
      spec: {
        data: { hash: { algorithm: "sha256", value: digest } },
        signature: { content: randomBytes(71).toString("base64"), publicKey: { content: publicKeyPemB64 } },
      },
    }),
    "utf8",
  );
}

async function benchAppend(dir: string, durationMs: number, concurrency: number): Promise<AppendBenchResult["append"]> {
  const log = await EmbeddedTransparencyLog.open({ dataDir: dir, signer: benchSigner(), origin: ORIGIN });
  const pem = Buffer.from(benchSigner().publicKeyPem).toString("base64");
  let batches = 0;
  log.onCheckpoint(() => batches++);
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const n = next++;
      const t0 = performance.now();
      await log.append({
        kind: "hashedrekord",
        apiVersion: "0.0.1",
        canonicalBody: hashedRekordBody(n, pem),
        artifactDigest: `sha256:${n.toString(16).padStart(64, "0")}`,
        signerSubject: `user${n % 97}@example.com`,
      });
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedS = (performance.now() - start) / 1000;
  await log.close();
  return { perSec: Math.round(latencies.length / elapsedS), ...percentiles(latencies), entries: latencies.length, batches };
}

/**
 * Writes `size` entries straight through the store (dummy SETs), one checkpoint per chunk, into
 * an empty log (its identity rows may exist). For proof and start-up benchmarks only.
 */
export async function bulkLoad(dir: string, signer: KeySigner, size: number, origin: string = ORIGIN): Promise<void> {
  const store = LogStore.open(dir);
  const chunk = 50_000;
  let frontier = Frontier.empty();
  const set = randomBytes(71);
  try {
    while (frontier.size < size) {
      const first = frontier.size;
      const bodies = Array.from({ length: Math.min(chunk, size - first) }, (_, i) =>
        Buffer.from(`{"apiVersion":"0.0.1","kind":"hashedrekord","n":${first + i}}`),
      );
      const growth = frontier.append(bodies);
      frontier = growth.frontier;
      // Leaf hashes are the level-0 completions, in append order.
      const leaves = growth.completed.filter((n) => n.level === 0);
      const entries: StoredEntry[] = bodies.map((body, i) => ({
        logIndex: first + i,
        leafHash: leaves[i]!.hash,
        kind: "hashedrekord",
        apiVersion: "0.0.1",
        body,
        integratedTime: 1_700_000_000,
        signedEntryTimestamp: set,
      }));
      const checkpoint = { origin, treeSize: frontier.size, rootHash: frontier.root() };
      const note = await signCheckpoint(checkpoint, signer);
      await store.commit({ entries, subtrees: growth.completed, checkpoint: { ...checkpoint, note } });
    }
  } finally {
    await store.close();
  }
}

async function benchProofs(dir: string, size: number, samples: number): Promise<{ proof: Percentiles; openMs: number }> {
  const signer = benchSigner();
  // Create the log's identity rows, then bulk-load underneath it.
  await (await EmbeddedTransparencyLog.open({ dataDir: dir, signer, origin: ORIGIN })).close();
  await bulkLoad(dir, signer, size);
  const t0 = performance.now();
  const log = await EmbeddedTransparencyLog.open({ dataDir: dir, signer, origin: ORIGIN });
  const openMs = performance.now() - t0;
  try {
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const index = Math.floor(Math.random() * size);
      const s = performance.now();
      log.inclusionProof(index);
      times.push(performance.now() - s);
    }
    return { proof: percentiles(times), openMs: Math.round(openMs * 10) / 10 };
  } finally {
    await log.close();
  }
}

/** Runs the whole benchmark in temporary directories (removed afterwards). */
export async function runAppendBench(options: AppendBenchOptions = {}): Promise<AppendBenchResult> {
  const root = mkdtempSync(join(tmpdir(), "tlog-bench-"));
  try {
    const append = await benchAppend(join(root, "append"), options.durationMs ?? 10_000, options.concurrency ?? 64);
    const inclusionProof: Record<string, Percentiles> = {};
    let open = { entries: 0, ms: 0 };
    for (const size of options.proofSizes ?? [10_000, 1_000_000]) {
      const r = await benchProofs(join(root, `proofs-${size}`), size, options.proofSamples ?? 10_000);
      inclusionProof[String(size)] = r.proof;
      if (size >= open.entries) open = { entries: size, ms: r.openMs };
    }
    return { append, inclusionProof, open };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runAppendBench();
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
