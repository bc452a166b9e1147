/**
 * The 70 Sigstore conformance cases, each decided twice on the Verify RPC's own path (the bundle
 * and root decoded as the request's protobuf messages, the bundle re-encoded for a worker and
 * judged by the worker's function: `test/helpers/api-judge.ts`): once with the artifact's bytes
 * and once from its SHA-256 digest alone. All 140 decisions must match the expected verdict.
 */
import { describe, expect, it } from "vitest";
import type { VerificationResult } from "../../src/sigstore/verify/index.js";
import { judgeAsApi } from "../helpers/api-judge.js";
import { loadCases, whyCasesUnavailable, type ConformanceCase } from "./cases.js";

const unavailable = whyCasesUnavailable();

type Mode = "bytes" | "digest";

function decide(c: ConformanceCase, mode: Mode): VerificationResult {
  const artifact = mode === "bytes" ? { content: c.artifact } : { digest: c.artifactDigest };
  const expected = c.key !== undefined ? { publicKey: c.key } : { subject: c.identity!, issuer: c.issuer! };
  return judgeAsApi({ bundle: c.bundle, artifact, trustedRoot: c.trustedRoot, expected });
}

describe.skipIf(unavailable !== undefined)("Sigstore conformance (bytes and digest-only)", () => {
  const cases = unavailable ? [] : loadCases();

  it("has the 70 cases", () => {
    expect(cases.length).toBe(70);
  });

  it("decides all 140 (case × mode) as expected", () => {
    const rows: string[] = [];
    let right = 0;
    const score: Record<Mode, number> = { bytes: 0, digest: 0 };
    for (const c of cases) {
      for (const mode of ["bytes", "digest"] as const) {
        const result = decide(c, mode);
        const got = result.verified ? "pass" : "fail";
        if (got === c.expect) {
          right++;
          score[mode]++;
        } else {
          const why = result.failures.map((f) => `${f.code}: ${f.message}`).join("; ") || "(no failures)";
          rows.push(`${c.name.padEnd(58)} ${mode.padEnd(6)} expected ${c.expect} got ${got}  ${why}`);
        }
      }
    }
    console.log(`[conformance] bytes ${score.bytes}/${cases.length}, digest ${score.digest}/${cases.length}`);
    if (rows.length > 0) console.log(`[conformance] mismatches:\n${rows.join("\n")}`);
    expect(rows, rows.join("\n")).toEqual([]);
    expect(right).toBe(cases.length * 2);
  });

  it("gives every rejection at least one failure, and every acceptance none", () => {
    for (const c of cases) {
      const result = decide(c, "bytes");
      expect(result.verified).toBe(result.failures.length === 0);
    }
  });
});
