/**
 * How `@sigstore/verify` alone decides the conformance cases, as an oracle beside ours.
 *
 * Reported, not asserted case by case: the library's gaps (a trust root without validFor.start;
 * message signatures from a digest; unanchored identity) are why the engine exists. The only
 * assertion is that the engine never decides worse than the library.
 */
import { createPublicKey } from "node:crypto";
import { bundleFromJSON } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { toSignedEntity, toTrustMaterial, Verifier } from "@sigstore/verify";
import { describe, expect, it } from "vitest";
import { judgeAsApi } from "../helpers/api-judge.js";
import { loadCases, whyCasesUnavailable, type ConformanceCase } from "./cases.js";

const unavailable = whyCasesUnavailable();

/** The library's own decision: bundle parsed by @sigstore/bundle, identity as a policy. */
function libraryDecides(c: ConformanceCase, withBytes: boolean): boolean {
  try {
    const bundle = bundleFromJSON(c.bundle);
    const root = TrustedRoot.fromJSON(c.trustedRoot);
    let keys: Record<string, { rawBytes: Buffer }> | undefined;
    if (c.key !== undefined) {
      const material = bundle.verificationMaterial.content;
      const hint = material.$case === "publicKey" ? material.publicKey.hint : "";
      keys = { [hint]: { rawBytes: createPublicKey(c.key).export({ format: "der", type: "spki" }) } };
    }
    const verifier = new Verifier(toTrustMaterial(root, keys as never), { ctlogThreshold: root.ctlogs.length > 0 ? 1 : 0 });
    // Without the bytes the library has nothing to hash: it is given an empty artifact.
    const entity = toSignedEntity(bundle, withBytes ? c.artifact : Buffer.alloc(0));
    verifier.verify(entity, c.key !== undefined ? undefined : { subjectAlternativeName: c.identity!, extensions: { issuer: c.issuer! } });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(unavailable !== undefined)("oracle: @sigstore/verify alone", () => {
  it("reports the library's score and never beats the engine", () => {
    const cases = loadCases();
    const score = { libraryBytes: 0, libraryDigest: 0, engineBytes: 0, engineDigest: 0 };
    const libraryWrong: string[] = [];
    for (const c of cases) {
      const want = c.expect === "pass";
      const expected = c.key !== undefined ? { publicKey: c.key } : { subject: c.identity!, issuer: c.issuer! };
      const lb = libraryDecides(c, true) === want;
      const ld = libraryDecides(c, false) === want;
      const eb = judgeAsApi({ bundle: c.bundle, artifact: { content: c.artifact }, trustedRoot: c.trustedRoot, expected }).verified === want;
      const ed = judgeAsApi({ bundle: c.bundle, artifact: { digest: c.artifactDigest }, trustedRoot: c.trustedRoot, expected }).verified === want;
      score.libraryBytes += Number(lb);
      score.libraryDigest += Number(ld);
      score.engineBytes += Number(eb);
      score.engineDigest += Number(ed);
      if (!lb || !ld) libraryWrong.push(`${c.name}${lb ? "" : " [bytes]"}${ld ? "" : " [digest]"}`);
    }
    console.log(
      `[oracle] @sigstore/verify alone: bytes ${score.libraryBytes}/${cases.length}, digest ${score.libraryDigest}/${cases.length}; ` +
        `engine: bytes ${score.engineBytes}/${cases.length}, digest ${score.engineDigest}/${cases.length}\n` +
        `[oracle] library wrong on: ${libraryWrong.join(", ")}`,
    );
    expect(score.engineBytes).toBeGreaterThanOrEqual(score.libraryBytes);
    expect(score.engineDigest).toBeGreaterThanOrEqual(score.libraryDigest);
  });
});
