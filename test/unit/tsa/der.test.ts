import { ASN1Obj } from "@sigstore/core";
import * as asn1js from "asn1js";
import { randomBytes, randomInt } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generalizedTime, minimalIntegerContent, Tag, tlv } from "../../../src/sigstore/embedded/tsa/der.js";
import { provablyRoundTrips, survivesSigstoreReencoding } from "../../../src/sigstore/keys/sigstore-der.js";

describe("tlv", () => {
  it.each([0, 1, 127, 128, 255, 256, 65_535, 65_536, 70_000])("writes the minimal length asn1js writes for %i content bytes", (n) => {
    const content = randomBytes(n);
    const expected = Buffer.from(new asn1js.OctetString({ valueHex: content }).toBER(false));
    expect(tlv(Tag.OCTET_STRING, content)).toEqual(expected);
    // Parts are concatenated in order.
    const cut = n >> 1;
    expect(tlv(Tag.OCTET_STRING, content.subarray(0, cut), new Uint8Array(0), content.subarray(cut))).toEqual(expected);
  });
});

describe("minimalIntegerContent", () => {
  it.each([
    ["00 05", "05"],
    ["00 00 05", "05"],
    ["00 80", "0080"],
    ["ff ff 80", "80"],
    ["ff 10", "ff10"],
    ["00", "00"],
    ["ff", "ff"],
    ["7f ff", "7fff"],
  ])("%s -> %s", (input, output) => {
    expect(Buffer.from(minimalIntegerContent(Buffer.from(input.replace(/ /g, ""), "hex"))).toString("hex")).toBe(output);
  });
});

describe("generalizedTime", () => {
  it("writes whole seconds as YYYYMMDDHHMMSSZ, like @sigstore/core reads them", () => {
    const der = generalizedTime(new Date("2026-03-04T05:06:07.890Z"));
    expect(der.toString("latin1")).toBe("\x18\x0f20260304050607Z");
    expect(ASN1Obj.parseBuffer(der).toDate()).toEqual(new Date("2026-03-04T05:06:07Z"));
  });

  it("refuses years it cannot write in four digits", () => {
    expect(() => generalizedTime(new Date("+010000-01-01T00:00:00Z"))).toThrow(RangeError);
  });
});

describe("provablyRoundTrips (the fast path of survivesSigstoreReencoding)", () => {
  it("proves only what @sigstore/core round-trips, over random and TLV-shaped contents", () => {
    let proven = 0;
    for (let i = 0; i < 50_000; i++) {
      const content = randomBytes(randomInt(0, 80));
      if (content.length > 2 && randomInt(2) === 0) {
        // Bias towards nested TLVs, with short-form, long-form and indefinite lengths.
        content[0] = [0x30, 0x31, 0x02, 0x04, 0xa0, 0x20, 0x00, 0x1f][randomInt(8)]!;
        content[1] = [content.length - 2, 0x81, 0x80, 0x01, 0x00][randomInt(5)]!;
      }
      const der = tlv(Tag.OCTET_STRING, content);
      if (provablyRoundTrips(der)) {
        proven++;
        expect(ASN1Obj.parseBuffer(der).toDER().equals(der), der.toString("hex")).toBe(true);
      }
      expect(survivesSigstoreReencoding(der)).toBe(true);
    }
    expect(proven).toBeGreaterThan(1000);
  });

  it("proves DER ECDSA signatures and refuses what it cannot vouch for", () => {
    const sig = Buffer.from("3044022001" + "00".repeat(31) + "022002" + "00".repeat(31), "hex");
    expect(provablyRoundTrips(tlv(Tag.OCTET_STRING, sig))).toBe(true);
    // A long-form length inside an OCTET STRING, a trailing byte, universal tag 0 (also constructed).
    expect(provablyRoundTrips(Buffer.from("0405308103020100", "hex"))).toBe(false);
    expect(provablyRoundTrips(Buffer.from("04020500" + "00", "hex"))).toBe(false);
    expect(provablyRoundTrips(Buffer.from("30020000", "hex"))).toBe(false);
    expect(provablyRoundTrips(Buffer.from("30022000", "hex"))).toBe(false);
    expect(survivesSigstoreReencoding(Buffer.from("04020500" + "00", "hex"))).toBe(false);
  });
});
