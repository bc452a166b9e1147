import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../../src/errors.js";
import { anchoredRegExp, checkIdentity } from "../../../src/sigstore/verify/identity.js";
import { verifyBundle } from "../../../src/sigstore/verify/index.js";
import { fixture, fixturesUnavailable, MESSAGE_CASE } from "./fixtures.js";

const SERVICE = "certus-trust@certus.cloud";
const ISSUER = "https://issuer.certus.cloud";

describe("identity comparison", () => {
  it("accepts the exact subject and issuer", () => {
    expect(checkIdentity({ subject: SERVICE, issuer: ISSUER }, { subject: SERVICE, issuer: ISSUER })).toEqual([]);
  });

  it.each([
    "evil-certus-trust@certus.cloud.example",
    "certus-trust@certus.cloud.example",
    "evil-certus-trust@certus.cloud",
    "certus-trust@certusXcloud",
    "CERTUS-TRUST@certus.cloud",
    "certus-trust@certus.cloud ",
    "",
  ])("refuses the look-alike %j as SIGNER_MISMATCH", (subject) => {
    const failures = checkIdentity({ subject, issuer: ISSUER }, { subject: SERVICE, issuer: ISSUER });
    expect(failures.map((f) => f.code)).toEqual(["SIGNER_MISMATCH"]);
    expect(failures[0]!.message).toContain(JSON.stringify(SERVICE));
  });

  it("says what was found and what was expected", () => {
    const [f] = checkIdentity({ subject: "evil-certus-trust@certus.cloud.example" }, { subject: SERVICE });
    expect(f!.message).toBe('certificate SAN is "evil-certus-trust@certus.cloud.example", expected exactly "certus-trust@certus.cloud"');
  });

  it("anchors a regexp to the whole SAN", () => {
    const pattern = anchoredRegExp("certus-[a-z]+@certus\\.cloud");
    const policy = { subjectPattern: pattern, subjectRegexp: "certus-[a-z]+@certus\\.cloud" };
    expect(checkIdentity({ subject: "certus-assurance@certus.cloud" }, policy)).toEqual([]);
    expect(checkIdentity({ subject: "evil-certus-trust@certus.cloud.example" }, policy).map((f) => f.code)).toEqual(["SIGNER_MISMATCH"]);
    expect(checkIdentity({ subject: "certus-trust@certus.cloud\nx" }, policy).map((f) => f.code)).toEqual(["SIGNER_MISMATCH"]);
  });

  it("anchors an alternation as a whole, not just its first and last branch", () => {
    const policy = { subjectPattern: anchoredRegExp("a@x|b@x"), subjectRegexp: "a@x|b@x" };
    expect(checkIdentity({ subject: "b@x" }, policy)).toEqual([]);
    expect(checkIdentity({ subject: "a@x.evil" }, policy).map((f) => f.code)).toEqual(["SIGNER_MISMATCH"]);
    expect(checkIdentity({ subject: "evil.b@x" }, policy).map((f) => f.code)).toEqual(["SIGNER_MISMATCH"]);
  });

  it("refuses a different or missing issuer as ISSUER_MISMATCH", () => {
    expect(checkIdentity({ subject: SERVICE, issuer: `${ISSUER}.evil` }, { subject: SERVICE, issuer: ISSUER }).map((f) => f.code)).toEqual(["ISSUER_MISMATCH"]);
    expect(checkIdentity({ subject: SERVICE }, { subject: SERVICE, issuer: ISSUER }).map((f) => f.code)).toEqual(["ISSUER_MISMATCH"]);
  });

  it("rejects an invalid regexp as the caller's mistake", () => {
    expect(() => anchoredRegExp("(")).toThrow(InvalidArgumentError);
  });
});

describe.skipIf(fixturesUnavailable !== undefined)("identity through verifyBundle (real bundle)", () => {
  const verify = (expected: Record<string, string>) => {
    const c = fixture(MESSAGE_CASE);
    return verifyBundle({ bundle: c.bundle, artifact: { content: c.artifact }, trustedRoot: c.trustedRoot, expected });
  };
  const c = fixturesUnavailable ? undefined : fixture(MESSAGE_CASE);
  const subject = c?.identity ?? "";
  const issuer = c?.issuer ?? "";

  it("verifies with the exact identity and reports the signer", () => {
    const result = verify({ subject, issuer });
    expect(result.verified).toBe(true);
    expect(result.signer).toEqual({ subject, issuer });
  });

  it("refuses a prefix or a suffix of the SAN (the library alone would accept it as a regexp)", () => {
    for (const partial of [subject.slice(0, -5), subject.slice(5), subject.replace(/\./g, "X")]) {
      const result = verify({ subject: partial, issuer });
      expect(result.verified).toBe(false);
      expect(result.failures.map((f) => f.code)).toEqual(["SIGNER_MISMATCH"]);
    }
  });

  it("accepts a regexp matching the whole SAN and refuses one matching only part", () => {
    expect(verify({ subjectRegexp: "https://github\\.com/sigstore-conformance/.*", issuer }).verified).toBe(true);
    const partial = verify({ subjectRegexp: "sigstore-conformance", issuer });
    expect(partial.failures.map((f) => f.code)).toEqual(["SIGNER_MISMATCH"]);
  });

  it("reports ISSUER_MISMATCH for another issuer", () => {
    const result = verify({ subject, issuer: "https://accounts.google.com" });
    expect(result.failures.map((f) => f.code)).toEqual(["ISSUER_MISMATCH"]);
    expect(result.failures[0]!.message).toContain("https://token.actions.githubusercontent.com");
  });
});
