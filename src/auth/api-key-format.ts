/**
 * API key format and hashing. A key is `ctk_<id>_<secret>`: the id (12 hex) finds the stored
 * record in O(1), the secret (32 random bytes, base64url) is the credential. Only
 * HMAC-SHA256(salt, secret) with a per-key random salt is stored; with 256 bits of entropy in the
 * secret a slow hash adds nothing but latency to every call. Comparison is constant-time.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const API_KEY_PREFIX = "ctk_";
const KEY_PATTERN = /^ctk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** A freshly made key: the full secret string is shown once and never stored. */
export interface NewApiKey {
  id: string;
  /** The whole key as the caller sends it. */
  key: string;
  salt: string;
  hash: string;
}

/** Makes a new key with a random id, secret and salt. */
export function generateApiKey(): NewApiKey {
  const id = randomBytes(6).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  const salt = randomBytes(16).toString("base64url");
  return { id, key: `${API_KEY_PREFIX}${id}_${secret}`, salt, hash: hashSecret(secret, salt) };
}

/** Splits a presented key into id and secret; undefined when it is not in the key format. */
export function parseApiKey(presented: string): { id: string; secret: string } | undefined {
  const [, id, secret] = KEY_PATTERN.exec(presented) ?? [];
  return id !== undefined && secret !== undefined ? { id, secret } : undefined;
}

/** HMAC-SHA256(salt, secret), base64url. */
export function hashSecret(secret: string, salt: string): string {
  return createHmac("sha256", Buffer.from(salt, "base64url")).update(secret).digest("base64url");
}

/** Constant-time check of a presented secret against a stored hash. */
export function secretMatches(secret: string, salt: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret, salt), "base64url");
  const b = Buffer.from(storedHash, "base64url");
  return a.length === b.length && timingSafeEqual(a, b);
}
