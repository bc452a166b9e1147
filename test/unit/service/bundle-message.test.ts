/**
 * The Sign answer's bundle is built straight from `@sigstore/sign`'s object form
 * (`service/bundle-message.ts`) instead of through its JSON; it must be the very message the JSON
 * route gives, byte for byte on the wire, for both kinds of content the service signs. Real
 * bundles from a real embedded stack (CA, log, TSA), not hand-made ones.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromJson, toBinary, type JsonValue } from "@bufbuild/protobuf";
import { bundleToJSON, type Bundle } from "@sigstore/bundle";
import { BundleSchema } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import { EmbeddedStack } from "../../../src/sigstore/embedded/stack.js";
import { signDigestBundle, signDsseBundle } from "../../../src/sigstore/signing-pipeline.js";
import { bundleMessage } from "../../../src/service/bundle-message.js";

let dir: string;
let stack: EmbeddedStack;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "certus-bundle-message-"));
  stack = await EmbeddedStack.open({
    dataDir: dir,
    publicUrl: "http://127.0.0.1:9",
    identity: "certus-trust@certus.example",
    issuer: "https://certus.example",
    defaultIssuer: "https://certus.example",
  });
}, 60_000);

afterAll(async () => {
  await stack.close();
  rmSync(dir, { recursive: true, force: true });
});

function viaJson(bundle: Bundle): Uint8Array {
  return toBinary(BundleSchema, fromJson(BundleSchema, bundleToJSON(bundle) as unknown as JsonValue));
}

describe("bundleMessage", () => {
  it("gives the same protobuf as the JSON route for a DSSE bundle", async () => {
    const w = stack.witnessesFor({ artifactDigest: `sha256:${"ab".repeat(32)}` });
    const bundle = await signDsseBundle(stack.signer, w.all, Buffer.from(JSON.stringify({ _type: "https://in-toto.io/Statement/v1", n: 1 })));
    const direct = toBinary(BundleSchema, bundleMessage(bundle));
    expect(bundle.verificationMaterial?.tlogEntries).toHaveLength(1);
    expect(bundle.verificationMaterial?.timestampVerificationData?.rfc3161Timestamps).toHaveLength(1);
    expect(Buffer.from(direct).equals(Buffer.from(viaJson(bundle)))).toBe(true);
  });

  it("gives the same protobuf as the JSON route for a message signature", async () => {
    const digest = createHash("sha256").update("artifact").digest();
    const w = stack.witnessesFor({ artifactDigest: `sha256:${digest.toString("hex")}` });
    const bundle = await signDigestBundle(stack.signer, w.all, digest);
    const message = bundleMessage(bundle);
    expect(message.content.case).toBe("messageSignature");
    expect(Buffer.from(toBinary(BundleSchema, message)).equals(Buffer.from(viaJson(bundle)))).toBe(true);
  });

  it("refuses a bundle without its certificate rather than answering with a partial one", async () => {
    const w = stack.witnessesFor({});
    const bundle = await signDigestBundle(stack.signer, w.all, createHash("sha256").update("other").digest());
    const keyOnly = {
      ...bundle,
      verificationMaterial: { ...bundle.verificationMaterial, content: { $case: "publicKey", publicKey: { hint: "k" } } },
    } as Bundle;
    expect(() => bundleMessage(keyOnly)).toThrow(/exactly one certificate/);
  });
});
