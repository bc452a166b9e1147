import { X509Certificate } from "@sigstore/core";
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../../src/errors.js";
import { LEAF_VALIDITY_MS, OID_FULCIO_ISSUER_V1, OID_FULCIO_ISSUER_V2 } from "../../../src/sigstore/embedded/ca.js";
import { openStack } from "./helpers.js";

const ISSUER = "https://trust.certus.example";
let stack: Awaited<ReturnType<typeof openStack>>;
beforeAll(async () => {
  stack = await openStack();
});
afterAll(async () => {
  await stack.cleanup();
});

function freshSpki(): Buffer {
  return generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "der" });
}

describe("EmbeddedCA", () => {
  it("has a root and an intermediate that @sigstore/core sees as CAs, chained by AKI/SKI", () => {
    const [intermediateDer, rootDer] = stack.ca.chainDer();
    const intermediate = X509Certificate.parse(intermediateDer!);
    const root = X509Certificate.parse(rootDer!);
    expect(root.isCA).toBe(true);
    expect(intermediate.isCA).toBe(true);
    expect(root.verify()).toBe(true);
    expect(intermediate.verify(root)).toBe(true);
    expect(intermediate.extAuthorityKeyID?.keyIdentifier).toEqual(root.extSubjectKeyID?.keyIdentifier);
    expect(stack.ca.chainPem()[1]).toContain("BEGIN CERTIFICATE");
    expect(stack.ca.subject).toEqual({ organization: "certus.cloud", commonName: "Certus-Trust Root CA" });
  });

  it("issues an email leaf with the Fulcio profile as @sigstore/verify reads it", async () => {
    const now = new Date("2026-11-25T10:00:00.700Z");
    const leaf = await stack.ca.issueLeaf({ publicKey: freshSpki(), identity: "certus-trust@certus.cloud", oidcIssuer: ISSUER, notBefore: now });
    const cert = X509Certificate.parse(leaf.certificateDer);
    expect(cert.subjectAltName).toBe("certus-trust@certus.cloud");
    expect(cert.extSubjectAltName?.critical).toBe(true);
    // The V2 issuer as @sigstore/verify's getSigner reads it, and the legacy V1 raw bytes.
    expect(cert.extension(OID_FULCIO_ISSUER_V2)?.valueObj.subs[0]?.value.toString("ascii")).toBe(ISSUER);
    expect(cert.extension(OID_FULCIO_ISSUER_V1)?.value.toString("ascii")).toBe(ISSUER);
    expect(cert.subject.length).toBe(0); // empty SEQUENCE
    expect(cert.isCA).toBe(false);
    expect(cert.extKeyUsage?.digitalSignature).toBe(true);
    expect(cert.extension("2.5.29.37")).toBeDefined(); // EKU
    expect(cert.extSubjectKeyID).toBeDefined();
    const [intermediateDer] = stack.ca.chainDer();
    const intermediate = X509Certificate.parse(intermediateDer!);
    expect(cert.extAuthorityKeyID?.keyIdentifier).toEqual(intermediate.extSubjectKeyID?.keyIdentifier);
    expect(cert.verify(intermediate)).toBe(true);
    // Back-dated to the whole second minus one; 10 minutes of validity.
    expect(cert.notBefore.toISOString()).toBe("2026-11-25T09:59:59.000Z");
    expect(cert.notAfter.getTime() - cert.notBefore.getTime()).toBe(LEAF_VALIDITY_MS);
    expect(cert.validForDate(new Date("2026-11-25T10:00:00Z"))).toBe(true);
    expect(leaf.certificatePem).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  it("puts a URI identity (even with '@') into a URI SAN", async () => {
    const identity = "https://github.com/certus/ci/.github/workflows/release.yml@refs/heads/main";
    const leaf = await stack.ca.issueLeaf({ publicKey: freshSpki(), identity, oidcIssuer: ISSUER });
    const cert = X509Certificate.parse(leaf.certificateDer);
    expect(cert.extSubjectAltName?.uri).toBe(identity);
    expect(cert.extSubjectAltName?.rfc822Name).toBeUndefined();
  });

  it.each([
    ["publicKey", { publicKey: Buffer.from("nope"), identity: "a@b.c", oidcIssuer: ISSUER }],
    ["identity", { publicKey: freshSpki(), identity: "", oidcIssuer: ISSUER }],
    ["identity", { publicKey: freshSpki(), identity: "not an identity", oidcIssuer: ISSUER }],
    ["identity", { publicKey: freshSpki(), identity: "a@b@c", oidcIssuer: ISSUER }],
    ["oidcIssuer", { publicKey: freshSpki(), identity: "a@b.c", oidcIssuer: "x\ny" }],
  ])("rejects a bad %s as invalid_argument", async (field, request) => {
    const error = await stack.ca.issueLeaf(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).field).toBe(field);
  });

  it("rejects keys too weak to certify", async () => {
    const weak = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ type: "spki", format: "der" });
    await expect(stack.ca.issueLeaf({ publicKey: weak, identity: "a@b.c", oidcIssuer: ISSUER })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("keeps the same chain across restarts", async () => {
    const again = await openStack(stack.dataDir);
    expect(again.ca.chainPem()).toEqual(stack.ca.chainPem());
    expect(again.tsa.chainPem()).toEqual(stack.tsa.chainPem());
    expect(again.ca.validFrom).toEqual(stack.ca.validFrom);
  });
});
