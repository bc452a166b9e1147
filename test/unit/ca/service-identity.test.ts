import { p256 } from "@noble/curves/nist.js";
import { X509Certificate } from "@sigstore/core";
import { createHash, createPublicKey, verify as nodeVerify, X509Certificate as NodeX509 } from "node:crypto";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { InvalidArgumentError } from "../../../src/errors.js";
import { ServiceIdentity } from "../../../src/sigstore/embedded/service-identity.js";
import { openStack } from "./helpers.js";

const ISSUER = "https://trust.certus.example";
let stack: Awaited<ReturnType<typeof openStack>>;
beforeAll(async () => {
  stack = await openStack();
});
afterAll(async () => {
  await stack.cleanup();
});

function certOf(signature: { key: { $case: string; certificate?: string } }): string {
  if (signature.key.$case !== "x509Certificate" || !signature.key.certificate) throw new Error("no certificate");
  return signature.key.certificate;
}

describe("ServiceIdentity", () => {
  it("signs with a certified ephemeral key and reuses the certificate", async () => {
    const identity = new ServiceIdentity({ ca: stack.ca, issuer: ISSUER });
    const data = Buffer.from("outer statement");
    const a = await identity.sign(data);
    const b = await identity.sign(Buffer.from("another"));
    expect(certOf(a)).toBe(certOf(b));
    const cert = X509Certificate.parse(Buffer.from(new NodeX509(certOf(a)).raw));
    expect(cert.subjectAltName).toBe("certus-trust@certus.cloud");
    expect(nodeVerify("sha256", data, createPublicKey(certOf(a)), a.signature)).toBe(true);
    expect(inspect(identity)).toBe(`ServiceIdentity(certus-trust@certus.cloud from ${ISSUER})`);
    expect(JSON.stringify(identity)).not.toMatch(/PRIVATE|scalar/);
  });

  it("renews when less than two minutes are left, once for concurrent callers", async () => {
    let now = new Date("2026-11-25T10:00:00Z").getTime();
    const issueLeaf = vi.spyOn(stack.ca, "issueLeaf");
    const identity = new ServiceIdentity({ ca: stack.ca, issuer: ISSUER, now: () => new Date(now) });
    const first = await identity.certificatePem();
    now += 7 * 60 * 1000; // 7 min later (cert valid from 09:59:59 for 10 min): 2 min 59 s left
    expect(await identity.certificatePem()).toBe(first);
    now += 60 * 1000; // 1 min 59 s left
    const pems = await Promise.all(Array.from({ length: 8 }, () => identity.sign(Buffer.from("x"))));
    expect(new Set(pems.map(certOf)).size).toBe(1);
    expect(certOf(pems[0]!)).not.toBe(first);
    expect(issueLeaf).toHaveBeenCalledTimes(2);
    issueLeaf.mockRestore();
  });

  it("signs a SHA-256 digest without re-hashing: the same as ECDSA-SHA256 over the bytes", async () => {
    const identity = new ServiceIdentity({ ca: stack.ca, issuer: ISSUER });
    const data = Buffer.from("an artifact known only by digest");
    const digest = createHash("sha256").update(data).digest();
    const signed = await identity.signPrehashed(digest);
    expect(nodeVerify("sha256", data, createPublicKey(certOf(signed)), signed.signature)).toBe(true);
    await expect(identity.signPrehashed(Buffer.alloc(20))).rejects.toBeInstanceOf(InvalidArgumentError);

    // With deterministic (RFC 6979) nonces the two are byte-identical.
    const { secretKey } = p256.keygen();
    const prehashed = p256.sign(digest, secretKey, { prehash: false, format: "der" });
    const normal = p256.sign(data, secretKey, { format: "der" });
    expect(Buffer.from(prehashed)).toEqual(Buffer.from(normal));
  });
});
