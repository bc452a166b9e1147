/**
 * Issue #14, finding 3: one Verify request cannot freeze the server.
 *
 * - Subject patterns run on a linear-time engine (RE2JS): a corpus of patterns that backtrack
 *   catastrophically on JavaScript's engine is either refused with a reason or matched against a
 *   long adversarial subject in a few milliseconds.
 * - 200 bundles with `.*`×8 as `subjectRegexp` (what held `/readyz` for 9.5 s) are judged on the
 *   workers while `/readyz` on another connection answers within 500 ms.
 * - A request past its verification budget fails with `deadline_exceeded` and its worker is
 *   replaced (the running computation can only be stopped that way).
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSubjectPattern, SubjectPatternError } from "../../src/sigstore/verify/subject-pattern.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { probeReadyz } from "./attack-support.js";
import type { WireJson } from "../helpers/wire-json.js";

/** Patterns known to backtrack exponentially or with a high polynomial degree on a backtracking engine. */
const CATASTROPHIC = [
  `${".*".repeat(11)}Z`,
  `${".*".repeat(8)}Z`,
  `${"a*".repeat(20)}b`,
  `${"[a-z@.]*".repeat(10)}!`,
  `${"\\w*".repeat(12)}#`,
  `.*a.*a.*a.*a.*a.*a.*a.*a.*b`,
  "(a+)+b",
  "(a|aa)+b",
  "(a|a)*b",
  "(?:a*)*b",
  "([a-z]+)*@",
  "(.*a){12}",
  "^(\\w+\\s?)*$",
  "(x+x+)+y",
];

describe("subject patterns on a linear-time engine", () => {
  it("every catastrophic pattern is refused with a reason or matches a 20,000-character subject in under 250 ms", () => {
    const subjects = ["a".repeat(20_000), "certus-trust@certus.cloud".repeat(800), "x".repeat(20_000)];
    for (const pattern of CATASTROPHIC) {
      let compiled;
      try {
        compiled = compileSubjectPattern(pattern);
      } catch (err) {
        expect(err, pattern).toBeInstanceOf(SubjectPatternError);
        expect((err as Error).message, pattern).toMatch(/^subjectRegexp /);
        continue;
      }
      for (const subject of subjects) {
        const started = performance.now();
        expect(compiled.test(subject), pattern).toBe(false);
        expect(performance.now() - started, `${pattern} on ${subject.length} characters`).toBeLessThan(250);
      }
    }
    // And it still matches what it should, whole-subject only.
    expect(compileSubjectPattern(`${".*".repeat(11)}cloud`).test("certus-trust@certus.cloud")).toBe(true);
    expect(compileSubjectPattern("certus-[a-z]+@certus\\.cloud").test("evil-certus-trust@certus.cloud")).toBe(false);
  });
});

describe("Verify under attack", () => {
  let srv: TestServer;
  let bundle: unknown;
  const DIGEST = `sha256:${createHash("sha256").update("attack-verify").digest("hex")}`;
  const verify = async (body: unknown) => {
    const res = await fetch(`${srv.url}/v1/verify`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as WireJson };
  };

  beforeAll(async () => {
    srv = await startTestServer({ "verify-workers": "2", "verify-budget-ms": "4000" });
    const signed = await fetch(`${srv.url}/v1/sign`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ artifact: { digest: DIGEST } }),
    });
    bundle = ((await signed.json()) as WireJson).bundle;
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it("200 bundles with a catastrophic subjectRegexp are judged off the main thread; /readyz stays fast", async () => {
    const pending = verify({
      artifact: { digest: DIGEST },
      bundles: Array(200).fill(bundle),
      expectedSigner: { subjectRegexp: `${".*".repeat(8)}Z`, issuer: srv.url },
    });
    const probes: number[] = [];
    const prober = (async () => {
      for (let i = 0; i < 5; i++) {
        const p = await probeReadyz(srv.url);
        expect(p.status).toBe(200);
        probes.push(p.ms);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const [r] = await Promise.all([pending, prober]);
    expect(r.status).toBe(200);
    expect(r.json.results).toHaveLength(200);
    expect(r.json.results.every((x: WireJson) => x.verified === false && x.failures.some((f: WireJson) => f.code === "SIGNER_MISMATCH"))).toBe(true);
    expect(Math.max(...probes)).toBeLessThan(500);
  });
});

describe("Verify with a tiny budget", () => {
  let srv: TestServer;
  afterAll(async () => {
    await srv?.stop();
  });

  it("deadline_exceeded with a message, workers replaced, /readyz fast throughout", async () => {
    srv = await startTestServer({ "verify-workers": "1", "verify-budget-ms": "10" });
    const digest = `sha256:${createHash("sha256").update("tiny").digest("hex")}`;
    const signed = (await (
      await fetch(`${srv.url}/v1/sign`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ artifact: { digest } }) })
    ).json()) as WireJson;
    const res = await fetch(`${srv.url}/v1/verify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        artifact: { digest },
        bundles: Array(300).fill(signed.bundle),
        expectedSigner: { subjectRegexp: `${".*".repeat(11)}Z`, issuer: srv.url },
      }),
    });
    const body = (await res.json()) as WireJson;
    expect(res.status).toBe(504);
    expect(body.code).toBe("deadline_exceeded");
    expect(body.message).toMatch(/budget of 10 ms/);
    expect((await probeReadyz(srv.url)).ms).toBeLessThan(500);
    expect(srv.logs.some((l) => l.includes("ran past its budget"))).toBe(true);
  });
});
