/**
 * The policy's `attestations` rules: parsed with the problem's line, caller patterns with `*`,
 * and the decision's reason.
 */
import { describe, expect, it } from "vitest";
import { callerMatches, decideAttestation } from "../../../src/policy/attestation-rules.js";
import { parsePolicies, PolicyFileError } from "../../../src/policy/loader.js";

const SLSA = "https://slsa.dev/provenance/v1";

describe("attestations in a policy file", () => {
  it("parses rules, and a policy without them allows no caller statement", () => {
    const set = parsePolicies(
      `policies:\n  default:\n    attestations:\n      - callers: ["apikey:assurance#*"]\n        predicateTypes: ["${SLSA}"]\n  other: {}\n`,
      "p.yaml",
    );
    expect(set.policies.get("default")!.attestations).toEqual([{ callers: ["apikey:assurance#*"], predicateTypes: [SLSA] }]);
    expect(set.policies.get("other")!.attestations).toBeUndefined();
    const d = decideAttestation("other", [], "anonymous", SLSA);
    expect(d).toEqual({ allowed: false, reason: `policy "other" lets caller "anonymous" have no predicate type signed (predicate type "${SLSA}")` });
  });

  it.each([
    ["    attestations: {}\n", 4, "must be a list"],
    ["    attestations:\n      - callers: []\n        predicateTypes: [x]\n", 5, "callers must be a non-empty list"],
    ["    attestations:\n      - callers: [a]\n", 5, "predicateTypes must be a non-empty list"],
    ["    attestations:\n      - callers: [a]\n        predicateTypes: [x]\n        scope: sign\n", 5, 'unknown key "scope"'],
  ])("refuses a bad rule with its line: %j", (yaml, line, problem) => {
    let err: unknown;
    try {
      parsePolicies(`policies:\n  default:\n    mode: enforce\n${yaml}`, "p.yaml");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PolicyFileError);
    expect((err as PolicyFileError).line).toBe(line);
    expect((err as PolicyFileError).problem).toContain(problem);
  });
});

describe("caller patterns", () => {
  it.each([
    ["anonymous", "anonymous", true],
    ["anonymous", "anonymous2", false],
    ["apikey:assurance#*", "apikey:assurance#k1", true],
    ["apikey:assurance#*", "apikey:transform#k1", false],
    ["apikey:assurance#*", "apikey:assurance#", true],
    ["oidc:*@https://issuer.example", "oidc:ci@https://issuer.example", true],
    ["oidc:*@https://issuer.example", "oidc:ci@https://issuer.example.evil", false],
    ["*", "mtls:anything", true],
    ["a*b*c", "abc", true],
    ["a*b*c", "ac", false],
    ["ab*ba", "aba", false],
    ["x.y", "xzy", false],
  ])("%s matches %s: %s", (pattern, caller, expected) => {
    expect(callerMatches(pattern, caller)).toBe(expected);
  });

  it("the reason names the types this caller may have signed", () => {
    const rules = [
      { callers: ["apikey:*"], predicateTypes: [SLSA] },
      { callers: ["*"], predicateTypes: ["https://x.example/scan"] },
    ];
    expect(decideAttestation("default", rules, "apikey:k(a)", SLSA)).toEqual({ allowed: true });
    const d = decideAttestation("default", rules, "apikey:k(a)", "https://y.example/other");
    expect(d.allowed).toBe(false);
    expect(!d.allowed && d.reason).toBe(
      `policy "default" does not let caller "apikey:k(a)" have predicate type "https://y.example/other" signed; allowed: ${SLSA}, https://x.example/scan`,
    );
  });
});
