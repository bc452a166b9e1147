/**
 * The public key a caller expects a key-signed bundle (no certificate) to be signed with.
 */
import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import { LruMap } from "./lru.js";

/** An expected key, parsed, with its fingerprint for messages and comparisons. */
export interface ExpectedKey {
  readonly key: KeyObject;
  /** DER SubjectPublicKeyInfo. */
  readonly spki: Buffer;
  /** `SHA256:<base64>` of the SPKI, the form `publicKey.hint` and cosign use. */
  readonly fingerprint: string;
}

/** Parsed keys by PEM text: callers send the same few keys again and again. */
const parsed = new LruMap<string, ExpectedKey>(256);

/** Maximum PEM length accepted: an RSA-4096 SPKI PEM is about 800 characters. */
export const MAX_PUBLIC_KEY_PEM_CHARS = 16_384;

/** `SHA256:<base64>` of a DER SPKI. */
export function keyFingerprint(spki: Buffer): string {
  return `SHA256:${createHash("sha256").update(spki).digest("base64")}`;
}

/** Parses a PEM public key; returns why it is not one instead of throwing. */
export function parseExpectedKey(pem: string): ExpectedKey | { problem: string } {
  const cached = parsed.get(pem);
  if (cached) return cached;
  if (pem.length > MAX_PUBLIC_KEY_PEM_CHARS) return { problem: `expected public key is longer than ${MAX_PUBLIC_KEY_PEM_CHARS} characters` };
  if (!pem.includes("-----BEGIN PUBLIC KEY-----")) return { problem: 'expected public key is not a PEM "PUBLIC KEY" (SPKI)' };
  try {
    const key = createPublicKey({ key: pem, format: "pem" });
    const spki = key.export({ format: "der", type: "spki" });
    const expected = { key, spki, fingerprint: keyFingerprint(spki) };
    parsed.set(pem, expected);
    return expected;
  } catch {
    return { problem: "expected public key could not be decoded (damaged PEM or unsupported key type)" };
  }
}

/** SPKI DER of a KeyObject, or undefined for a key that cannot be exported. */
export function spkiOf(key: KeyObject): Buffer | undefined {
  try {
    return key.export({ format: "der", type: "spki" });
  } catch {
    return undefined;
  }
}
