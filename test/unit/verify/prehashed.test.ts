import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifyPrehashed } from "../../../src/sigstore/verify/prehashed.js";

const message = Buffer.from("certus artifact bytes");

describe("prehashed signature verification", () => {
  it.each([
    ["P-256", "prime256v1", "sha256"],
    ["P-384", "secp384r1", "sha384"],
    ["P-384 over SHA-256", "secp384r1", "sha256"],
    ["P-521", "secp521r1", "sha512"],
  ] as const)("verifies ECDSA %s from the digest alone, high-S signatures included", (_, namedCurve, hash) => {
    const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve });
    const digest = createHash(hash).update(message).digest();
    // OpenSSL does not normalize S: about half of these have a high S, which must verify.
    for (let i = 0; i < 16; i++) {
      const signature = sign(hash, message, privateKey);
      expect(verifyPrehashed(publicKey, digest, signature, hash).valid).toBe(true);
    }
    const other = createHash(hash).update("another artifact").digest();
    expect(verifyPrehashed(publicKey, other, sign(hash, message, privateKey), hash).valid).toBe(false);
  });

  it("verifies RSA PKCS#1 v1.5 from the digest alone", () => {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const digest = createHash("sha256").update(message).digest();
    const signature = sign("sha256", message, privateKey);
    expect(verifyPrehashed(publicKey, digest, signature, "sha256").valid).toBe(true);
    expect(verifyPrehashed(publicKey, Buffer.alloc(32), signature, "sha256").valid).toBe(false);
  });

  it("says an Ed25519 signature cannot be checked from a digest", () => {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const result = verifyPrehashed(publicKey, createHash("sha256").update(message).digest(), sign(null, message, privateKey), "sha256");
    expect(result.valid).toBe(false);
    expect(result.unsupported).toMatch(/Ed25519/);
  });

  it("never throws on garbage signatures", () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    for (const junk of [Buffer.alloc(0), Buffer.from([0x30]), Buffer.alloc(72, 0xff), Buffer.from("not a signature")]) {
      expect(verifyPrehashed(publicKey, Buffer.alloc(32), junk, "sha256").valid).toBe(false);
    }
  });
});
