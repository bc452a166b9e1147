/**
 * The benchmark's own parts, so its figures can be trusted: gRPC framing of the request bodies,
 * grpcload against a real server (a call counts only when grpc-status is 0; open loop keeps its
 * schedule), bundles minted with distinct leaf certificates that the server verifies, h2load's
 * output understood, and the issue-20 targets judged as met or missed. The timings themselves are
 * not asserted: this is a benchmark's plumbing, not a timed test.
 *
 * grpcload and h2load come from scripts/setup-bench-tools.mjs (run by `pretest`). Without them the
 * tool tests skip and say why, except under CI=true, where they fail.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { X509Certificate } from "node:crypto";
import { grpcFrame, PATHS, writeCeilingBodies, writeVerifyBodies } from "../../bench/grpc-bodies.js";
import { grpcload, h2load } from "../../bench/grpc-load.js";
import { checkMintedBundles, mintBundles, MINT_IDENTITY, type MintedBundle } from "../../bench/mint.js";
import { evaluateTargets } from "../../bench/targets.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
// @ts-expect-error -- a plain .mjs script without type declarations
import { ensureBenchTools } from "../../scripts/setup-bench-tools.mjs";

let grpcloadBin: string | undefined;
let skipReason: string | undefined;
try {
  grpcloadBin = (ensureBenchTools as () => string)();
} catch (err) {
  skipReason = `bench load generators not available: ${err instanceof Error ? err.message : String(err)}; run \`node scripts/setup-bench-tools.mjs\``;
  if (process.env.CI === "true") throw new Error(skipReason, { cause: err });
  console.warn(`[bench-load] SKIPPED: ${skipReason}`);
}

describe("bench: request bodies and targets", () => {
  it("frames a message as uncompressed gRPC: flag 0, big-endian length, the bytes", () => {
    const frame = grpcFrame(new Uint8Array([1, 2, 3]));
    expect([...frame]).toEqual([0, 0, 0, 0, 3, 1, 2, 3]);
  });

  it("judges each target as met or missed, a missing figure as missed", () => {
    const results = evaluateTargets({
      "sign.ratio": 0.6,
      "verify.ratio": 0.49,
      "verify.vsSigstoreJs": NaN,
      "sign.p99AtHalfMs": 20,
      "verify.p99AtHalfMs": 10.5,
      rssMb: 120,
    });
    expect(Object.fromEntries(results.map((r) => [r.key, r.met]))).toEqual({
      "sign.ratio": true,
      "verify.ratio": false,
      "verify.vsSigstoreJs": false,
      "sign.p99AtHalfMs": true,
      "verify.p99AtHalfMs": false,
      rssMb: true,
    });
  });
});

describe.skipIf(skipReason !== undefined)("bench: grpcload and h2load against a real server", () => {
  let dir: string;
  let server: TestServer;
  let minted: MintedBundle[];
  const files = () => ({ ceiling: join(dir, "ceiling.bin"), verify: join(dir, "verify.bin") });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "certus-bench-test-"));
    minted = await mintBundles(join(dir, "data"), 4);
    server = await startTestServer({ "log-level": "silent" }, join(dir, "data"));
    writeCeilingBodies(files().ceiling);
    writeVerifyBodies(files().verify, minted, MINT_IDENTITY);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("mints bundles with a leaf certificate each, for the service's identity", () => {
    const leaves = minted.map((m) => (m.bundle.verificationMaterial as { certificate: { rawBytes: string } }).certificate.rawBytes);
    expect(new Set(leaves).size).toBe(minted.length);
    const cert = new X509Certificate(Buffer.from(leaves[0]!, "base64"));
    expect(cert.subjectAltName).toContain(MINT_IDENTITY);
  });

  it("has the server verify every minted bundle and refuse one with a flipped signature byte", async () => {
    await checkMintedBundles(server.url, minted, minted.length);
    const forged = minted.map((m) => ({ ...m, digest: `sha256:${"0".repeat(64)}` }));
    await expect(checkMintedBundles(server.url, forged, 1)).rejects.toThrow(/minted bundle 0 does not verify/);
  });

  it("verifies the minted bundles through the API, cycling over them, with no failed call", async () => {
    const r = await grpcload(grpcloadBin!, { url: server.url, path: PATHS.verify, bodies: files().verify, durationMs: 400, rpc: "verify" });
    expect(r.errors, r.firstError).toBe(0);
    expect(r.count).toBeGreaterThan(0);
    expect(r.p99Ms).toBeGreaterThanOrEqual(r.p50Ms);
  });

  it("counts a call that ends with a non-zero grpc-status as an error, not a success", async () => {
    // A Verify body sent to Sign: the server answers HTTP 200 with grpc-status 3 in the trailers.
    const r = await grpcload(grpcloadBin!, { url: server.url, path: PATHS.sign, bodies: files().verify, durationMs: 200, rpc: "sign" });
    expect(r.count).toBe(0);
    expect(r.errors).toBeGreaterThan(0);
    expect(r.firstError).toMatch(/^grpc-status [1-9]/);
  });

  it("keeps the open-loop schedule: about rate x duration calls", async () => {
    const r = await grpcload(grpcloadBin!, { url: server.url, path: PATHS.ceiling, bodies: files().ceiling, durationMs: 1_000, rps: 50, rpc: "ceiling" });
    expect(r.errors, r.firstError).toBe(0);
    expect(r.count).toBe(50);
  });

  it("reads h2load's rate from its output for the ceiling", async () => {
    expect(readFileSync(files().ceiling)).toEqual(Buffer.from([0, 0, 0, 0, 0]));
    const r = await h2load({ url: server.url, path: PATHS.ceiling, body: files().ceiling, durationMs: 1_000 });
    expect(r.failed).toBe(0);
    expect(r.succeeded).toBeGreaterThan(0);
    expect(r.perSec).toBeGreaterThan(0);
  });
});
