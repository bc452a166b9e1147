/**
 * Memoized certificates answer as the library's own objects do, computed once.
 */
import { readFileSync } from "node:fs";
import { X509Certificate } from "@sigstore/core";
import { describe, expect, it } from "vitest";
import { clearCertificateCache, memoizeCertificate, sharedCertificate } from "../../../src/sigstore/verify/certificate-memo.js";

const root = JSON.parse(readFileSync(new URL("../../../src/sigstore/verify/public-good-trusted_root.json", import.meta.url), "utf8")) as {
  certificateAuthorities: { certChain: { certificates: { rawBytes: string }[] } }[];
};
const chain = root.certificateAuthorities.at(-1)!.certChain.certificates.map((c) => Buffer.from(c.rawBytes, "base64"));
const der = chain[0]!;

describe("sharedCertificate with the caller's parse", () => {
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

describe("memoizeCertificate", () => {
  it("answers extension lookups, CA flags, key identifiers and dates as the library does", () => {
    for (const bytes of chain) {
      const plain = X509Certificate.parse(Buffer.from(bytes));
      const memo = memoizeCertificate(X509Certificate.parse(Buffer.from(bytes)));
      for (let round = 0; round < 2; round++) {
        expect(memo.isCA).toBe(plain.isCA);
        expect(memo.extBasicConstraints?.isCA).toBe(plain.extBasicConstraints?.isCA);
        expect(memo.extKeyUsage?.keyCertSign).toBe(plain.extKeyUsage?.keyCertSign);
        expect(memo.extSubjectKeyID?.keyIdentifier).toEqual(plain.extSubjectKeyID?.keyIdentifier);
        expect(memo.extAuthorityKeyID?.keyIdentifier).toEqual(plain.extAuthorityKeyID?.keyIdentifier);
        expect(memo.extension("2.5.29.15")?.value).toEqual(plain.extension("2.5.29.15")?.value);
        expect(memo.extension("1.2.3.4")).toBeUndefined();
        expect(memo.notBefore).toEqual(plain.notBefore);
        expect(memo.notAfter).toEqual(plain.notAfter);
        expect(memo.validForDate(plain.notBefore)).toBe(true);
        expect(memo.validForDate(new Date(plain.notBefore.getTime() - 1))).toBe(false);
      }
      // Each read is a Date of its own, so a caller changing one changes nothing else.
      const first = memo.notAfter;
      first.setTime(0);
      expect(memo.notAfter).toEqual(plain.notAfter);
    }
  });
});
