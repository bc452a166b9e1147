import { bundleFromJSON, bundleToJSON, type SerializedBundle } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { DSSEBundleBuilder, MessageSignatureBundleBuilder } from "@sigstore/sign";
import { toSignedEntity, toTrustMaterial, VerificationError, Verifier } from "@sigstore/verify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceIdentity } from "../../../src/sigstore/embedded/service-identity.js";
import { buildTrustedRoot } from "../../../src/sigstore/embedded/trusted-root.js";
import { openStack } from "../ca/helpers.js";

const ISSUER = "https://trust.certus.example";
const IDENTITY = "certus-trust@certus.cloud";
let stack: Awaited<ReturnType<typeof openStack>>;
let verifier: Verifier;
let identity: ServiceIdentity;
const policy = { subjectAlternativeName: `^${IDENTITY.replace(/[.]/g, "\\.")}$`, extensions: { issuer: ISSUER } };

beforeAll(async () => {
  stack = await openStack(undefined, undefined, true);
  const root = buildTrustedRoot({
    ca: stack.ca,
    tsa: stack.tsa,
    tlog: { baseUrl: "http://localhost:8888", publicKeySpki: stack.keys.signer("tlog").publicKeySpki, validFrom: stack.keys.createdAt("tlog") },
    ctlogs: [{ baseUrl: "http://localhost:8888/ctlog/1", publicKeySpki: stack.keys.signer("ctlog").publicKeySpki, validFrom: stack.keys.createdAt("ctlog") }],
  });
  // Round-trip through JSON text, as a client that downloaded trusted_root.json would.
  const trustMaterial = toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(JSON.stringify(root))));
  // The leaf's embedded SCT is required (default ctlogThreshold); no log witness here, the test is about the TSA.
  verifier = new Verifier(trustMaterial, { tlogThreshold: 0, timestampThreshold: 1 });
  identity = new ServiceIdentity({ ca: stack.ca, issuer: ISSUER });
});
afterAll(async () => {
  await stack.cleanup();
});

async function dsseBundleJson(): Promise<SerializedBundle> {
  const builder = new DSSEBundleBuilder({ signer: identity, witnesses: [stack.tsa.witness()] });
  const statement = { _type: "https://in-toto.io/Statement/v1", subject: [{ name: "s3://x/y", digest: { sha256: "ab".repeat(32) } }] };
  const bundle = await builder.create({ data: Buffer.from(JSON.stringify(statement)), type: "application/vnd.in-toto+json" });
  return bundleToJSON(bundle);
}

function verify(json: SerializedBundle, artifact?: Buffer): unknown {
  return verifier.verify(toSignedEntity(bundleFromJSON(json), artifact), policy);
}

function flipLastByte(b64: string): string {
  const bytes = Buffer.from(b64, "base64");
  bytes[bytes.length - 1]! ^= 0x01;
  return bytes.toString("base64");
}

describe("a DSSE bundle from ServiceIdentity + the TSA witness (no log)", () => {
  it("verifies with unmodified @sigstore/verify and the embedded trusted root", async () => {
    const json = await dsseBundleJson();
    expect(json.verificationMaterial.timestampVerificationData?.rfc3161Timestamps).toHaveLength(1);
    expect(json.verificationMaterial.tlogEntries ?? []).toEqual([]);
    const signer = verify(json) as { identity?: { subjectAlternativeName?: string; extensions?: { issuer?: string } } };
    expect(signer.identity?.subjectAlternativeName).toBe(IDENTITY);
    expect(signer.identity?.extensions?.issuer).toBe(ISSUER);
  });

  it("fails the identity policy for another identity or issuer", async () => {
    const json = await dsseBundleJson();
    const entity = toSignedEntity(bundleFromJSON(json));
    expect(() => verifier.verify(entity, { subjectAlternativeName: "^someone@else$" })).toThrow();
    expect(() => verifier.verify(entity, { extensions: { issuer: "https://evil.example" } })).toThrow();
  });

  it("fails with a flipped byte in the timestamp", async () => {
    const json = await dsseBundleJson();
    const ts = json.verificationMaterial.timestampVerificationData!.rfc3161Timestamps[0]!;
    ts.signedTimestamp = flipLastByte(ts.signedTimestamp);
    expect(() => verify(json)).toThrow(VerificationError);
    try {
      verify(json);
    } catch (err) {
      expect((err as VerificationError).code).toBe("TIMESTAMP_ERROR");
    }
  });

  it("fails with a flipped byte in the signature", async () => {
    const json = await dsseBundleJson();
    const sig = json.dsseEnvelope!.signatures[0]!;
    sig.sig = flipLastByte(sig.sig);
    let code: string | undefined;
    try {
      verify(json);
    } catch (err) {
      code = (err as VerificationError).code;
    }
    // Timestamps are checked first and the imprint covers the signature, so this is where it shows.
    expect(code).toBe("TIMESTAMP_ERROR");
  });

  it("fails with a flipped byte in the payload", async () => {
    const json = await dsseBundleJson();
    json.dsseEnvelope!.payload = flipLastByte(json.dsseEnvelope!.payload);
    let code: string | undefined;
    try {
      verify(json);
    } catch (err) {
      code = (err as VerificationError).code;
    }
    expect(code).toBe("SIGNATURE_ERROR");
  });
});

describe("a message-signature bundle from ServiceIdentity + the TSA witness", () => {
  it("verifies against the artifact", async () => {
    const artifact = Buffer.from("artifact bytes");
    const builder = new MessageSignatureBundleBuilder({ signer: identity, witnesses: [stack.tsa.witness()] });
    const json = bundleToJSON(await builder.create({ data: artifact }));
    expect(() => verify(json, artifact)).not.toThrow();
    expect(() => verify(json, Buffer.from("other bytes"))).toThrow(VerificationError);
  });
});
