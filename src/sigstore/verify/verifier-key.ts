/**
 * The verifier a client submits with a signature (Rekor's `publicKey.content` / DSSE `verifiers`,
 * Fulcio's `publicKey.content`): a PEM certificate or public key, parsed defensively, with the
 * canonical PEM Rekor stores and the checks Rekor and Fulcio make with it.
 */
import { pem } from "@sigstore/core";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createPublicKey, verify as cryptoVerify, type KeyObject } from "node:crypto";
import { verifyPrehashed, type PrehashAlgorithm } from "./prehashed.js";

/** Longest verifier accepted, in characters of PEM (a certificate chain would be far less). */
export const MAX_VERIFIER_PEM_CHARS = 32 * 1024;

/** A parsed verifier. */
export interface VerifierKey {
  readonly key: KeyObject;
  /** The PEM Rekor would store: one block, 64-character lines, `\n` endings (Go's pem.Encode). */
  readonly canonicalPem: string;
  /** Present when the verifier is a certificate. */
  readonly certificate?: x509.X509Certificate;
}

function pemBlock(label: string, der: Uint8Array): string {
  return pem.fromDER(Buffer.from(der), label);
}

/**
 * Parses a PEM certificate or SubjectPublicKeyInfo (or, for Fulcio, DER SPKI). Returns a problem
 * string instead of throwing.
 */
export function parseVerifier(text: string | Buffer): VerifierKey | { problem: string } {
  const pem = typeof text === "string" ? text : text.toString("latin1");
  if (pem.length === 0 || pem.length > MAX_VERIFIER_PEM_CHARS) return { problem: `must be 1 to ${MAX_VERIFIER_PEM_CHARS} characters of PEM` };
  const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1];
  try {
    if (label === "CERTIFICATE") {
      const certificate = new x509.X509Certificate(pem);
      const key = createPublicKey({ key: Buffer.from(certificate.publicKey.rawData), format: "der", type: "spki" });
      return { key, certificate, canonicalPem: pemBlock("CERTIFICATE", new Uint8Array(certificate.rawData)) };
    }
    if (label === "PUBLIC KEY") {
      const key = createPublicKey({ key: pem, format: "pem" });
      return { key, canonicalPem: pemBlock("PUBLIC KEY", key.export({ format: "der", type: "spki" })) };
    }
    if (label === undefined && typeof text !== "string") {
      const key = createPublicKey({ key: text, format: "der", type: "spki" });
      return { key, canonicalPem: pemBlock("PUBLIC KEY", key.export({ format: "der", type: "spki" })) };
    }
    return { problem: "must be a PEM CERTIFICATE or PUBLIC KEY" };
  } catch {
    return { problem: "could not be decoded (damaged PEM or unsupported key type)" };
  }
}

/** Digests tried for an ECDSA key: SHA-256 (what Sigstore clients use) and the curve's own. */
function ecdsaDigests(key: KeyObject): PrehashAlgorithm[] {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const own: PrehashAlgorithm = curve === "secp384r1" ? "sha384" : curve === "secp521r1" ? "sha512" : "sha256";
  return own === "sha256" ? ["sha256"] : ["sha256", own];
}

/**
 * Verifies a signature over whole `message` bytes (a DSSE PAE, a Fulcio challenge). ECDSA (DER),
 * RSA PKCS#1 v1.5 and Ed25519. Never throws.
 */
export function verifyMessage(key: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    switch (key.asymmetricKeyType) {
      case "ec":
        return ecdsaDigests(key).some((d) => cryptoVerify(d, message, key, signature));
      case "rsa":
        return cryptoVerify("sha256", message, key, signature);
      case "ed25519":
        return cryptoVerify(null, message, key, signature);
      default:
        return false;
    }
  } catch {
    return false;
  }
}

/** Verifies a signature over a SHA-256 `digest` (hashedrekord). Returns why it cannot, if it cannot. */
export function verifyDigest(key: KeyObject, digest: Uint8Array, signature: Uint8Array): { valid: boolean; unsupported?: string } {
  return verifyPrehashed(key, digest, signature, "sha256");
}

/** The certificate's first email or URI SAN, for the log's subject index. */
export function certificateSubject(certificate: x509.X509Certificate | undefined): string | undefined {
  if (certificate === undefined) return undefined;
  try {
    const san = certificate.getExtension(x509.SubjectAlternativeNameExtension);
    const name = san?.names.items.find((n) => n.type === "email" || n.type === "url");
    return name?.value;
  } catch {
    return undefined;
  }
}

/** DSSE pre-authentication encoding (DSSE v1 protocol). */
export function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}
