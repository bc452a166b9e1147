import { describe, expect, it } from "vitest";
import { unsafePatternReason } from "../../../src/sigstore/verify/regexp-safety.js";
import { verifyBundle } from "../../../src/sigstore/verify/index.js";
import { InvalidArgumentError } from "../../../src/errors.js";

describe("subjectRegexp safety", () => {
  it("accepts the patterns SAN policies use", () => {
    for (const p of [
      "certus-assurance@certus\\.cloud",
      ".*@certus\\.cloud",
      "https://github\\.com/certus/[^/]+/\\.github/workflows/release\\.yml@refs/tags/v[0-9]+\\.[0-9]+\\.[0-9]+",
      "spiffe://certus/ns/(ci|prod)/sa/[a-z-]+",
      "(build|release)-bot@certus\\.cloud",
    ]) {
      expect(unsafePatternReason(p), p).toBeUndefined();
    }
  });

  it("refuses nested quantifiers, backreferences, lookarounds and very long patterns", () => {
    for (const p of ["(a+)+b", "(a|aa)+", "((ab)*)*", "(x{2,})+", "(a)\\1", "(?=a)a", "(?<!b)a", "a".repeat(300)]) {
      expect(unsafePatternReason(p), p).toBeTypeOf("string");
    }
    // An escaped parenthesis or a class is not a group.
    expect(unsafePatternReason("\\(a+\\)+")).toBeUndefined();
    expect(unsafePatternReason("[(a+)]+")).toBeUndefined();
  });

  it("a catastrophic pattern is refused before it runs, as a request error", () => {
    const started = performance.now();
    expect(() =>
      verifyBundle({ bundle: {}, artifact: { digest: `sha256:${"0".repeat(64)}` }, trustedRoot: {}, expected: { subjectRegexp: "(a+)+b" } }),
    ).toThrow(InvalidArgumentError);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
