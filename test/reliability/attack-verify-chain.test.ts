/**
 * Issue #14, finding 3, for the Certus room: VerifyChain judges its bundles on the verification
 * worker pool within the request's budget, as Verify does.
 *
 * The tier policy has many rules with a pattern that backtracks catastrophically on a backtracking
 * engine, so the inner bundle is judged once per rule:
 * - with 2,000 rules and an 8 s budget the request is answered (the signer satisfies no rule) while
 *   `/readyz` on another connection answers within 500 ms, with no gap of 500 ms between answers
 *   (judged in-thread, the gap was 1.7 s here);
 * - with a 10 ms budget it fails with `deadline_exceeded` (only the pool enforces a budget: judged
 *   in-thread it would have answered 200).
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { writeCertusTierPolicy } from "../helpers/certus-upload.js";
import { startTestServer, tempDir, type TestServer } from "../helpers/server.js";
import { probeReadyz } from "./attack-support.js";
import type { WireJson } from "../helpers/wire-json.js";

const DIGEST = `sha256:${createHash("sha256").update("attack-verify-chain").digest("hex")}`;

/** A policy file whose `verified` tier has `rules` rules no signer of this service satisfies. */
function policyFile(rules: number): string {
  const dir = tempDir();
  const file = join(dir, "policies.yaml");
  const rule = [`      - subjectRegexp: "${".*".repeat(8)}Z"`];
  writeCertusTierPolicy(file, Array<string[]>(rules).fill(rule).flat());
  return file;
}

async function post(srv: TestServer, path: string, body: unknown): Promise<{ status: number; json: WireJson }> {
  const res = await fetch(`${srv.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as WireJson };
}

/** A VerifyChain request with an inner bundle of this service over {@link DIGEST}, and no outer. */
async function chainRequest(srv: TestServer): Promise<unknown> {
  const signed = await post(srv, "/v1/sign", { artifact: { digest: DIGEST } });
  expect(signed.status).toBe(200);
  return {
    artifact_locations: { s3: { uri: "s3://certus-raw/attack/manifest.json", digest: DIGEST } },
    signatures: { inner: { signer: "", signature: "", certificate: "", bundle: signed.json.bundle } },
  };
}

describe("VerifyChain under attack", () => {
  let srv: TestServer | undefined;
  afterEach(async () => {
    await srv?.stop();
    srv = undefined;
  });

  it("2000 rules with a catastrophic subjectRegexp are judged off the main thread; /readyz stays fast", async () => {
    srv = await startTestServer({ "verify-workers": "2", "verify-budget-ms": "8000", "policy-file": policyFile(2000) });
    const server = srv;
    const body = await chainRequest(server);
    const pending = post(server, "/v1/verify-chain", body);
    // Probe /readyz on fresh connections for as long as the request runs.
    let done = false;
    void pending.finally(() => (done = true));
    const probes: number[] = [];
    // The server runs in this process: a blocked event loop also delays the probes' own timers, so
    // the longest gap between two answers counts as well as each probe's time.
    const answeredAt: number[] = [];
    const prober = (async () => {
      while (!done || probes.length < 3) {
        const p = await probeReadyz(server.url);
        expect(p.status).toBe(200);
        probes.push(p.ms);
        answeredAt.push(performance.now());
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const [r] = await Promise.all([pending, prober]);
    expect(r.status).toBe(200);
    expect(r.json.chain_verified).toBe(false);
    expect(r.json.inner_signature_valid).toBe(false);
    expect(r.json.reasons.some((x: string) => x.startsWith("inner: invalid_signer"))).toBe(true);
    const gaps = answeredAt.slice(1).map((t, i) => t - (answeredAt[i] ?? t));
    expect(Math.max(...probes)).toBeLessThan(500);
    expect(Math.max(...gaps)).toBeLessThan(500);
  });

  it("past its budget: deadline_exceeded with the whole budget in the message, /readyz fast", async () => {
    srv = await startTestServer({ "verify-workers": "1", "verify-budget-ms": "10", "policy-file": policyFile(300) });
    const r = await post(srv, "/v1/verify-chain", await chainRequest(srv));
    expect(r.status).toBe(504);
    expect(r.json.code).toBe("deadline_exceeded");
    expect(r.json.message).toMatch(/budget of 10 ms/);
    expect((await probeReadyz(srv.url)).ms).toBeLessThan(500);
  });
});
