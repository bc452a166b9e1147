/**
 * A bundle changed anywhere must never verify: every leaf of real bundles is mutated (decoded bytes
 * flipped for base64 fields, characters replaced elsewhere), then fast-check explores random ones.
 * Each mutant is verified with the bytes and from the digest on the Verify RPC's own path
 * (`test/helpers/api-judge.ts`: the request's protobuf decoding, the worker's function; a mutant
 * the RPC cannot decode is refused there); it must be rejected and nothing may be thrown.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { VerificationResult } from "../../../src/sigstore/verify/index.js";
import { judgeAsApi } from "../../helpers/api-judge.js";
import { loadTrustedRoot } from "../../../src/sigstore/verify/index.js";
import { DSSE_CASE, fixture, fixturesUnavailable, KEY_CASE, MESSAGE_CASE, REKOR2_CASE } from "./fixtures.js";
import { isBase64Field, leaves, mutate, setAt, type Path } from "../../helpers/json-mutation.js";

/** One DER TLV at `off`: where its contents start and where it ends. */
function tlv(der: Buffer, off: number): { tag: number; body: number; end: number } {
  const tag = der[off]!;
  let len = der[off + 1]!;
  let body = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[off + 2 + i]!;
    body += n;
  }
  return { tag, body, end: body + len };
}

/** The byte range of the `certificates [0]` field of the SignedData in a TimeStampResp, if any. */
function embeddedCertificates(der: Buffer): [number, number] | undefined {
  try {
    const resp = tlv(der, 0);
    const status = tlv(der, resp.body);
    const token = tlv(der, status.end);
    const contentType = tlv(der, token.body);
    const wrapped = tlv(der, contentType.end);
    const signedData = tlv(der, wrapped.body);
    const version = tlv(der, signedData.body);
    const digestAlgs = tlv(der, version.end);
    const encap = tlv(der, digestAlgs.end);
    const next = tlv(der, encap.end);
    return next.tag === 0xa0 ? [encap.end, next.end] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Bytes no verifier authenticates, so changing them is not a forgery:
 * - `publicKey.hint` is a lookup hint; the caller's expected key decides (as in cosign);
 * - the certificates embedded in an RFC 3161 token: the TSA chain comes from the trusted root,
 *   the embedded copies are neither signed nor used.
 */
function unauthenticated(c: { trustedRoot: unknown; bundle: unknown }, path: Path, bytePosition: number): boolean {
  const dotted = path.join(".");
  if (dotted === "verificationMaterial.publicKey.hint") return true;
  if (!dotted.endsWith("signedTimestamp")) return false;
  let token: unknown = c.bundle;
  for (const key of path) token = (token as Record<string | number, unknown>)[key];
  const range = embeddedCertificates(Buffer.from(token as string, "base64"));
  return range !== undefined && bytePosition >= range[0] && bytePosition < range[1];
}

describe.skipIf(fixturesUnavailable !== undefined)("mutated bundles are never accepted", () => {
  const cases = fixturesUnavailable ? [] : [MESSAGE_CASE, DSSE_CASE, REKOR2_CASE, KEY_CASE].map(fixture);

  const decide = (c: (typeof cases)[number], bundle: unknown, mode: "bytes" | "digest"): VerificationResult =>
    judgeAsApi({
      bundle,
      artifact: mode === "bytes" ? { content: c.artifact } : { digest: c.artifactDigest },
      trustedRoot: loadTrustedRoot(c.trustedRoot),
      expected: c.key !== undefined ? { publicKey: c.key } : { subject: c.identity!, issuer: c.issuer! },
    });

  it("the originals verify", () => {
    for (const c of cases) {
      expect(decide(c, c.bundle, "bytes").verified).toBe(true);
      expect(decide(c, c.bundle, "digest").verified).toBe(true);
    }
  });

  it("every leaf changed at its start, middle and end is rejected", () => {
    let mutants = 0;
    const accepted: string[] = [];
    for (const c of cases) {
      for (const leaf of leaves(c.bundle)) {
        const length =
          typeof leaf.value === "string" ? Math.max(1, isBase64Field(leaf.value) ? Buffer.from(leaf.value, "base64").length : leaf.value.length) : 1;
        for (const position of new Set([0, Math.floor(length / 2), length - 1])) {
          const mutant = setAt(c.bundle, leaf.path, mutate(leaf.value, position, 0x01));
          for (const mode of ["bytes", "digest"] as const) {
            mutants++;
            const result = decide(c, mutant, mode);
            if (result.verified && !unauthenticated(c, leaf.path, position)) accepted.push(`${c.name} ${leaf.path.join(".")}@${position} (${mode})`);
          }
        }
      }
    }
    expect(accepted, accepted.join("\n")).toEqual([]);
    expect(mutants).toBeGreaterThan(300);
  });

  it("random byte flips anywhere are rejected (fast-check)", () => {
    const all = cases.map((c) => ({ c, leaves: leaves(c.bundle) }));
    fc.assert(
      fc.property(
        fc.nat({ max: all.length - 1 }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.constantFrom("bytes" as const, "digest" as const),
        (caseIndex, leafIndex, position, mask, mode) => {
          const { c, leaves: ls } = all[caseIndex]!;
          const leaf = ls[leafIndex % ls.length]!;
          const mutant = setAt(c.bundle, leaf.path, mutate(leaf.value, position, mask));
          const result = decide(c, mutant, mode);
          const bytePosition = typeof leaf.value === "string" && isBase64Field(leaf.value) ? position % Buffer.from(leaf.value, "base64").length : position;
          return (!result.verified && result.failures.length > 0) || unauthenticated(c, leaf.path, bytePosition);
        },
      ),
      // A fixed seed by default keeps the test command's outcome reproducible; FUZZ_SEED and
      // FUZZ_RUNS explore further (a failure prints the seed and the counterexample).
      {
        numRuns: Number(process.env["FUZZ_RUNS"] ?? 300),
        ...(process.env["FUZZ_SEED"] === "random" ? {} : { seed: Number(process.env["FUZZ_SEED"] ?? 20261125) }),
      },
    );
  });

  it("removing any field is rejected, except metadata no verifier relies on", () => {
    // `hint` is a lookup hint; a missing messageDigest.algorithm means SHA-256 (proto3 default),
    // and the digest itself stays bound by the signature and the logged body.
    const optional = /(?:publicKey\.hint|messageDigest\.algorithm)$/;
    const accepted: string[] = [];
    for (const c of cases) {
      for (const leaf of leaves(c.bundle)) {
        const mutant = JSON.parse(JSON.stringify(setAt(c.bundle, leaf.path, undefined)));
        for (const mode of ["bytes", "digest"] as const) {
          const dotted = leaf.path.join(".");
          if (decide(c, mutant, mode).verified && !optional.test(dotted)) accepted.push(`${c.name} ${dotted} (${mode})`);
        }
      }
    }
    expect(accepted, accepted.join("\n")).toEqual([]);
  });
});
