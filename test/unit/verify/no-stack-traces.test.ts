import { readFileSync } from "node:fs";
import { X509Certificate } from "@sigstore/core";
import { describe, expect, it } from "vitest";
import { clearCertificateCache, sharedCertificate } from "../../../src/sigstore/verify/certificate-memo.js";
import { withoutStackTraces } from "../../../src/sigstore/verify/no-stack-traces.js";

describe("withoutStackTraces", () => {
  it("captures no stack inside and restores the limit after a return or a throw", () => {
    const before = Error.stackTraceLimit;
    expect(before).toBeGreaterThan(0);
    expect(withoutStackTraces(() => new Error("inside").stack)).toBe("Error: inside");
    expect(Error.stackTraceLimit).toBe(before);
    expect(() =>
      withoutStackTraces(() => {
        throw new TypeError("thrown inside");
      }),
    ).toThrow("thrown inside");
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error("outside").stack).toMatch(/\n\s+at /);
  });
});

describe("sharedCertificate with the caller's parse", () => {
  const root = JSON.parse(readFileSync(new URL("../../../src/sigstore/verify/public-good-trusted_root.json", import.meta.url), "utf8")) as {
    certificateAuthorities: { certChain: { certificates: { rawBytes: string }[] } }[];
  };
  const der = Buffer.from(root.certificateAuthorities.at(-1)!.certChain.certificates[0]!.rawBytes, "base64");

  it("keeps the caller's object on first sight and answers with it afterwards", () => {
    clearCertificateCache();
    const first = X509Certificate.parse(Buffer.from(der));
    expect(sharedCertificate(der, first)).toBe(first);
    const second = X509Certificate.parse(Buffer.from(der));
    expect(sharedCertificate(der, second)).toBe(first);
    expect(sharedCertificate(der)).toBe(first);
    expect(first.root.toDER()).toEqual(der);
    clearCertificateCache();
  });
});
