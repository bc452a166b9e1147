import { create, equals, fromBinary, toBinary } from "@bufbuild/protobuf";
import { VerifyRequestSchema } from "@certus/trust-sdk";
import { BundleSchema } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import { describe, expect, it } from "vitest";
import { lengthDelimitedFields } from "../../../src/rpc/request-bytes.js";

function bundle(n: number) {
  return create(BundleSchema, {
    mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
    verificationMaterial: { content: { case: "certificate", value: { rawBytes: new Uint8Array(300 + n).fill(n) } } },
    content: { case: "messageSignature", value: { signature: new Uint8Array(72).fill(n + 1) } },
  });
}

describe("lengthDelimitedFields", () => {
  it("slices each occurrence of the asked fields out of the message; each slice decodes to the field's message", () => {
    const req = create(VerifyRequestSchema, {
      artifact: { digest: `sha256:${"ab".repeat(32)}` },
      bundle: bundle(1),
      bundles: [bundle(2), bundle(3)],
      expectedSigner: { subject: "someone@example.com" },
      trustRoot: "service",
    });
    const fields = lengthDelimitedFields(toBinary(VerifyRequestSchema, req), [2, 3]);
    expect(fields?.get(2)).toHaveLength(1);
    expect(fields?.get(3)).toHaveLength(2);
    const slices = [...(fields?.get(2) ?? []), ...(fields?.get(3) ?? [])];
    const originals = [req.bundle, ...req.bundles];
    slices.forEach((s, i) => expect(equals(BundleSchema, fromBinary(BundleSchema, s), originals[i]!)).toBe(true));
  });

  it("skips varint, fixed-width and other fields, and reports each repetition of a field", () => {
    // field 1 varint 300, field 2 "ab", field 9 fixed64, field 2 "c", field 10 fixed32
    const message = Uint8Array.from([0x08, 0xac, 0x02, 0x12, 2, 0x61, 0x62, 0x49, 1, 2, 3, 4, 5, 6, 7, 8, 0x12, 1, 0x63, 0x55, 1, 2, 3, 4]);
    const fields = lengthDelimitedFields(message, [2]);
    expect(fields?.get(2)?.map((v) => Buffer.from(v).toString())).toEqual(["ab", "c"]);
  });

  it("gives up on what it cannot scan: a truncated value, a group", () => {
    expect(lengthDelimitedFields(Uint8Array.from([0x12, 5, 0x61]), [2])).toBeUndefined();
    expect(lengthDelimitedFields(Uint8Array.from([0x49, 1, 2]), [2])).toBeUndefined();
    expect(lengthDelimitedFields(Uint8Array.from([0x0b, 0x0c]), [2])).toBeUndefined();
    expect(lengthDelimitedFields(Uint8Array.from([0x08, 0x80]), [2])).toBeUndefined();
  });
});
