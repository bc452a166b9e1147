/**
 * Micro-benchmark of the embedded RFC 3161 TSA: the cost of one `EmbeddedTSA.timestamp()` (what
 * every Sign pays once, through the TSA witness) and of one `respond()` (the HTTP endpoint),
 * sequential on one thread with the file signer, so the figure is CPU per timestamp.
 *
 * Run after `tsc -b`: `node dist/bench/tsa.js [iterations]` prints ms/timestamp and JSON.
 * Target: well under 0.2 ms per timestamp (2,000 signs/s on 2 cores leaves 1 ms of CPU per Sign).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { EmbeddedTSA } from "../src/sigstore/embedded/tsa.js";
import { KeyStore } from "../src/sigstore/keys/key-store.js";

/** Default number of timed timestamps per figure. */
const DEFAULT_ITERATIONS = 5_000;
/** Untimed timestamps first, so the JIT has settled. */
const WARMUP_ITERATIONS = 1_000;
/** Length of the stamped data: a typical DER ECDSA P-256 signature. */
const SIGNATURE_BYTES = 71;

export interface TsaBenchResult {
  readonly iterations: number;
  /** Wall time per `timestamp(signature)`, ms. */
  readonly timestampMs: number;
  /** CPU time (user + system) per `timestamp(signature)`, ms. */
  readonly timestampCpuMs: number;
  /** Wall time per `respond(request)` with nonce and certReq, ms. */
  readonly respondMs: number;
}

/** Opens a TSA on a temporary key directory and measures `timestamp()` and `respond()`. */
export async function runTsaBench(iterations = DEFAULT_ITERATIONS): Promise<TsaBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "certus-bench-tsa-"));
  try {
    const keys = await KeyStore.open(dir);
    const tsa = await EmbeddedTSA.open({ directory: keys.directory, rootKey: keys.signer("tsa-root"), signingKey: keys.signer("tsa") });
    const inputs = Array.from({ length: 256 }, () => randomBytes(SIGNATURE_BYTES));
    const requests = Array.from({ length: 256 }, () => timeStampRequest());

    for (let i = 0; i < WARMUP_ITERATIONS; i++) await tsa.timestamp(inputs[i % inputs.length]!);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) await tsa.timestamp(inputs[i % inputs.length]!);
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);

    for (let i = 0; i < WARMUP_ITERATIONS; i++) await tsa.respond(requests[i % requests.length]!);
    const t1 = performance.now();
    for (let i = 0; i < iterations; i++) await tsa.respond(requests[i % requests.length]!);
    const respondWall = performance.now() - t1;

    return {
      iterations,
      timestampMs: wall / iterations,
      timestampCpuMs: (cpu.user + cpu.system) / 1000 / iterations,
      respondMs: respondWall / iterations,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A SHA-256 TimeStampReq with an 8-byte nonce and certReq, as `openssl ts -query -cert` sends. */
function timeStampRequest(): Buffer {
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: "2.16.840.1.101.3.4.2.1" }),
      hashedMessage: new asn1js.OctetString({ valueHex: randomBytes(32) }),
    }),
    nonce: new asn1js.Integer({ valueHex: Buffer.concat([Buffer.from([0x01]), randomBytes(7)]) }),
    certReq: true,
  });
  return Buffer.from(request.toSchema().toBER(false));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const iterations = Number(process.argv[2] ?? DEFAULT_ITERATIONS);
  const result = await runTsaBench(iterations);
  console.log(`timestamp: ${result.timestampMs.toFixed(4)} ms/timestamp (CPU ${result.timestampCpuMs.toFixed(4)} ms)`);
  console.log(`respond:   ${result.respondMs.toFixed(4)} ms/timestamp`);
  console.log(JSON.stringify(result));
}
