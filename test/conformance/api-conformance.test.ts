/**
 * The 70 Sigstore conformance cases through the public API (POST /v1/verify on a real server),
 * twice each: with the artifact bytes and with the digest alone. Every one of the 140 decisions
 * must be as expected. Bundles travel as the raw text of the case file, so a malformed bundle is
 * judged exactly as a client would send it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCases, whyCasesUnavailable, type ConformanceCase } from "./cases.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const unavailable = whyCasesUnavailable();

describe.skipIf(unavailable !== undefined)("Sigstore conformance through POST /v1/verify", () => {
  let srv: TestServer;
  let cases: ConformanceCase[];
  beforeAll(async () => {
    srv = await startTestServer({ "max-body-bytes": String(16 * 1024 * 1024) });
    cases = loadCases();
  });
  afterAll(async () => {
    await srv?.stop();
  });

  async function decide(c: ConformanceCase, mode: "bytes" | "digest"): Promise<{ accepted: boolean; detail: string }> {
    const artifact = mode === "bytes" ? { content: c.artifact.toString("base64") } : { digest: c.artifactDigest };
    const expectedSigner = c.key ? { publicKey: c.key } : { subject: c.identity, issuer: c.issuer };
    // The bundle is spliced in as text: a malformed one must be refused as the client sent it.
    const body = `{"artifact":${JSON.stringify(artifact)},"expectedSigner":${JSON.stringify(expectedSigner)},"trustedRoot":${JSON.stringify(c.trustedRoot)},"bundle":${c.bundleText}}`;
    const res = await fetch(`${srv.url}/v1/verify`, { method: "POST", headers: { "content-type": "application/json" }, body });
    const json = (await res.json()) as { verified?: boolean; failures?: Array<{ code: string }>; code?: string; message?: string };
    if (res.status !== 200) return { accepted: false, detail: `HTTP ${res.status} ${json.code}: ${json.message}` };
    return { accepted: json.verified === true, detail: json.verified ? "verified" : (json.failures ?? []).map((f) => f.code).join(",") };
  }

  it("decides all 140 (case × mode) as expected", async () => {
    const wrong: string[] = [];
    let right = 0;
    for (const c of cases) {
      for (const mode of ["bytes", "digest"] as const) {
        const d = await decide(c, mode);
        if (d.accepted === (c.expect === "pass")) right++;
        else wrong.push(`${c.name} [${mode}] expected ${c.expect}, got ${d.detail}`);
      }
    }
    console.log(`[api-conformance] ${right}/${cases.length * 2} decisions as expected`);
    expect(wrong).toEqual([]);
    expect(right).toBe(140);
  });
});
