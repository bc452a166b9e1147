/**
 * Public-key objects by their DER encoding, built once.
 *
 * Importing a key (`createPublicKey`) costs 30–120 µs in OpenSSL 3, and a verification imports
 * the same few keys again and again: the leaf's (the service reuses one leaf for its ten-minute
 * validity), the TSA's, the CA's. A `KeyObject` is immutable, so one per distinct encoding can be
 * shared. The map is bounded because leaf keys arrive in requests.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { LruMap } from "./lru.js";

/** Distinct keys kept; one per recent leaf certificate (as many as the leaf memo) plus the trust roots' own. */
export const DEFAULT_KEY_CACHE_SIZE = 256;

const keys = new LruMap<string, KeyObject>(DEFAULT_KEY_CACHE_SIZE);

/**
 * The key for a DER SubjectPublicKeyInfo (or PKCS#1 RSA key), imported on first use.
 * @throws like `createPublicKey` for bytes that are not a key (nothing is cached then)
 */
export function publicKeyFromDer(der: Uint8Array, type: "spki" | "pkcs1" = "spki"): KeyObject {
  const id = `${type}:${Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("base64")}`;
  let key = keys.get(id);
  if (!key) {
    key = createPublicKey({ key: Buffer.from(der), format: "der", type });
    keys.set(id, key);
  }
  return key;
}

/** Drops every cached key (tests). */
export function clearKeyCache(): void {
  keys.clear();
}
