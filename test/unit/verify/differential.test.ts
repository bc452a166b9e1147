/**
 * The fast path against the baseline: `verifyBundle` with its caches (shared leaf certificates,
 * remembered chain checks and checkpoints, cached keys, OpenSSL digest-only ECDSA) must decide
 * exactly as with `memoize: false` (stock `@sigstore/verify` Verifier on fresh trust material,
 * `@noble/curves` for digest-only ECDSA), and as `@sigstore/verify` alone where it can decide.
 *
 * Caches are warm on purpose: every case is decided several times, the original bundle is
 * verified right before each of its mutants (same leaf certificate, same checkpoint, another
 * signature or body), so a cache hit that turned a rejection into an acceptance would show.
 */
import { createHash, generateKeyPairSync, sign as signMessage } from "node:crypto";
import { bundleFromJSON } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { toSignedEntity, toTrustMaterial, Verifier } from "@sigstore/verify";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { verifyEcdsaPrehashed, verifyEcdsaPrehashedNoble, type EcdsaCurveName } from "../../../src/sigstore/verify/ecdsa-prehashed.js";
import { loadTrustedRoot, verifyBundle, type VerificationResult } from "../../../src/sigstore/verify/index.js";
import { loadCases, whyCasesUnavailable, type ConformanceCase } from "../../conformance/cases.js";
import { DSSE_CASE, fixture, fixturesUnavailable, KEY_CASE, MESSAGE_CASE, REKOR2_CASE } from "./fixtures.js";
import { isBase64Field, leaves, setAt } from "../../helpers/json-mutation.js";
import { apiBundleJson, apiTrustedRootJson, judgeAsApi } from "../../helpers/api-judge.js";

type Mode = "bytes" | "digest";

/**
 * The fast path is the Verify RPC's own (`test/helpers/api-judge.ts`: request decoding, the
 * worker's function); the baseline judges, with `memoize: false`, the very JSON that path hands
 * the engine (the original when the RPC cannot decode it). `handle`: pass the root as a loaded
 * handle (only for valid roots), else as JSON (validated and cached by the engine).
 */
function decide(c: ConformanceCase, bundle: unknown, mode: Mode, memoize: boolean, handle = false): VerificationResult {
  const artifact = mode === "bytes" ? { content: c.artifact } : { digest: c.artifactDigest };
  const expected = c.key !== undefined ? { publicKey: c.key } : { subject: c.identity!, issuer: c.issuer! };
  if (memoize) return judgeAsApi({ bundle, artifact, trustedRoot: handle ? loadTrustedRoot(c.trustedRoot) : c.trustedRoot, expected });
  const trustedRoot = handle ? loadTrustedRoot(c.trustedRoot) : (apiTrustedRootJson(c.trustedRoot) ?? c.trustedRoot);
  return verifyBundle({ bundle: apiBundleJson(bundle) ?? bundle, artifact, trustedRoot, expected }, { memoize: false });
}

/** Verdict and failure codes: what must not differ between the paths. */
function summary(r: VerificationResult): string {
  return r.verified ? "verified" : `rejected: ${r.failures.map((f) => f.code).join(",")}`;
}

/** `@sigstore/verify` alone with the artifact's bytes (identity as its policy), or undefined when it throws otherwise than a verdict. */
function libraryAccepts(c: ConformanceCase, bundle: unknown): boolean {
  try {
    const parsed = bundleFromJSON(bundle);
    const root = TrustedRoot.fromJSON(c.trustedRoot);
    if (c.key !== undefined) return decide(c, bundle, "bytes", false).verified; // key lookup by hint: the engine's job
    const verifier = new Verifier(toTrustMaterial(root), { ctlogThreshold: root.ctlogs.length > 0 ? 1 : 0 });
    verifier.verify(toSignedEntity(parsed, c.artifact), { subjectAlternativeName: c.identity!, extensions: { issuer: c.issuer! } });
    return true;
  } catch {
    return false;
  }
}

/** One byte of a base64 field flipped, one character of other strings replaced, numbers moved. */
function mutate(value: string | number, position: number, mask: number): string | number {
  if (typeof value === "number") return value + (mask || 1);
  if (isBase64Field(value)) {
    const bytes = Buffer.from(value, "base64");
    const i = position % bytes.length;
    bytes[i] = bytes[i]! ^ (mask || 1);
    return bytes.toString("base64");
  }
  if (value.length === 0) return "x";
  const i = position % value.length;
  const replacement = /\d/.test(value[i]!) ? String((Number(value[i]) + 1) % 10) : value[i] === "a" ? "b" : "a";
  return value.slice(0, i) + replacement + value.slice(i + 1);
}

const unavailable = whyCasesUnavailable();

describe.skipIf(unavailable !== undefined)("fast path = uncached engine = @sigstore/verify (conformance cases)", () => {
  const cases = unavailable ? [] : loadCases();

  it("decides all 140 (case × mode) as the uncached engine, three times over (warm caches)", () => {
    const differ: string[] = [];
    for (const c of cases) {
      for (const mode of ["bytes", "digest"] as const) {
        const baseline = summary(decide(c, c.bundle, mode, false));
        for (let round = 0; round < 3; round++) {
          const fast = summary(decide(c, c.bundle, mode, true));
          if (fast !== baseline) differ.push(`${c.name} [${mode}] round ${round}: fast ${fast}, uncached ${baseline}`);
        }
        if ((baseline === "verified") !== (c.expect === "pass")) differ.push(`${c.name} [${mode}]: expected ${c.expect}, uncached ${baseline}`);
      }
    }
    expect(differ, differ.join("\n")).toEqual([]);
  });

  it("agrees with @sigstore/verify alone (with the bytes) except where the engine is stricter by design", () => {
    // The library takes a missing validFor.start as the epoch (SIGSTORE-NOTES.md).
    const stricter = new Set(["trust-root-tlog-missing-validity-start_fail"]);
    const differ: string[] = [];
    for (const c of cases) {
      if (typeof c.bundle !== "object" || c.bundle === null) continue;
      const library = libraryAccepts(c, c.bundle);
      const fast = decide(c, c.bundle, "bytes", true).verified;
      if (library !== fast && !stricter.has(c.name)) differ.push(`${c.name}: library ${library}, fast path ${fast}`);
    }
    expect(differ, differ.join("\n")).toEqual([]);
  });
});

describe.skipIf(fixturesUnavailable !== undefined)("fast path = uncached engine on mutated bundles", () => {
  const cases = fixturesUnavailable ? [] : [MESSAGE_CASE, DSSE_CASE, REKOR2_CASE, KEY_CASE].map(fixture);

  it("every leaf changed at its start, middle and end: same verdict and codes, after the original warmed the caches", () => {
    const differ: string[] = [];
    let mutants = 0;
    for (const c of cases) {
      for (const leaf of leaves(c.bundle)) {
        const length =
          typeof leaf.value === "string" ? Math.max(1, isBase64Field(leaf.value) ? Buffer.from(leaf.value, "base64").length : leaf.value.length) : 1;
        for (const position of new Set([0, Math.floor(length / 2), length - 1])) {
          const mutant = setAt(c.bundle, leaf.path, mutate(leaf.value, position, 0x01));
          for (const mode of ["bytes", "digest"] as const) {
            mutants++;
            expect(decide(c, c.bundle, mode, true).verified).toBe(true);
            const fast = summary(decide(c, mutant, mode, true));
            const baseline = summary(decide(c, mutant, mode, false));
            if (fast !== baseline) differ.push(`${c.name} ${leaf.path.join(".")}@${position} [${mode}]: fast ${fast}, uncached ${baseline}`);
          }
        }
      }
    }
    expect(differ, differ.join("\n")).toEqual([]);
    expect(mutants).toBeGreaterThan(300);
  });

  it("random byte flips anywhere (fast-check): same verdict and codes", () => {
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
          decide(c, c.bundle, mode, true);
          const fast = summary(decide(c, mutant, mode, true));
          // Twice: the second time every cache the mutant could fill is warm.
          const again = summary(decide(c, mutant, mode, true));
          const baseline = summary(decide(c, mutant, mode, false));
          return fast === baseline && again === baseline;
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("digest-only ECDSA: OpenSSL over the shifted key = @noble/curves", () => {
  const curves: EcdsaCurveName[] = ["prime256v1", "secp384r1", "secp521r1"];
  const keys = curves.map((curve) => ({ curve, ...generateKeyPairSync("ec", { namedCurve: curve }) }));
  const algorithms = ["sha256", "sha384", "sha512"] as const;

  it("agrees on valid, corrupted and random signatures for every curve and digest length", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: keys.length - 1 }),
        fc.nat({ max: algorithms.length - 1 }),
        fc.uint8Array({ minLength: 0, maxLength: 64 }),
        fc.oneof(fc.constant(-1), fc.nat({ max: 200 })),
        fc.integer({ min: 1, max: 255 }),
        (k, a, message, flipAt, mask) => {
          const { curve, publicKey, privateKey } = keys[k]!;
          const algorithm = algorithms[a]!;
          const digest = createHash(algorithm).update(message).digest();
          const signature = Buffer.from(signMessage(algorithm, message, privateKey));
          if (flipAt >= 0) signature.writeUInt8(signature.readUInt8(flipAt % signature.length) ^ mask, flipAt % signature.length);
          const fast = verifyEcdsaPrehashed(curve, publicKey, digest, signature);
          const reference = verifyEcdsaPrehashedNoble(curve, publicKey, digest, signature);
          if (flipAt < 0) expect(reference).toBe(true);
          return fast === reference;
        },
      ),
      { numRuns: 300 },
    );
  });

  it("rejects what the reference rejects for the wrong digest, the wrong key and garbage", () => {
    const [{ curve, publicKey, privateKey }, other] = [keys[0]!, keys[0]!];
    const message = Buffer.from("artifact");
    const digest = createHash("sha256").update(message).digest();
    const signature = signMessage("sha256", message, privateKey);
    const wrongKey = generateKeyPairSync("ec", { namedCurve: curve }).publicKey;
    expect(verifyEcdsaPrehashed(curve, other.publicKey, digest, signature)).toBe(true);
    expect(verifyEcdsaPrehashed(curve, publicKey, createHash("sha256").update("other").digest(), signature)).toBe(false);
    expect(verifyEcdsaPrehashed(curve, wrongKey, digest, signature)).toBe(false);
    for (const garbage of [Buffer.alloc(0), Buffer.from([0x30, 0x00]), Buffer.from("3006020100020100", "hex"), Buffer.alloc(72, 0xff)]) {
      expect(verifyEcdsaPrehashed(curve, publicKey, digest, garbage)).toBe(verifyEcdsaPrehashedNoble(curve, publicKey, digest, garbage));
      expect(verifyEcdsaPrehashed(curve, publicKey, digest, garbage)).toBe(false);
    }
  });
});
