/**
 * Signature verification over a digest the verifier did not compute ("prehashed").
 *
 * Node's crypto (OpenSSL EVP_DigestVerify) always hashes the message itself, so a message
 * signature cannot be checked from the artifact's digest alone. ECDSA verifies the hash, not the
 * message, so the digest is all it needs (`ecdsa-prehashed.ts`: OpenSSL over an equivalent key,
 * `@noble/curves` as the reference). RSA PKCS#1 v1.5 is checked by recovering the DigestInfo with
 * the public key. Ed25519 (pure EdDSA) signs the whole message; it cannot be checked from a digest
 * and is reported as such.
 */
import { constants, publicDecrypt, type KeyObject } from "node:crypto";
import { verifyEcdsaPrehashed, verifyEcdsaPrehashedNoble, type EcdsaCurveName } from "./ecdsa-prehashed.js";

/** Digest algorithms a prehashed signature may use, by Node name. */
export type PrehashAlgorithm = "sha256" | "sha384" | "sha512";

/** The outcome: valid, or invalid with a reason when the reason is not simply "does not verify". */
export interface PrehashedResult {
  readonly valid: boolean;
  /** Why the signature could not be checked at all (unsupported key type), for the message. */
  readonly unsupported?: string;
}

const CURVES: ReadonlySet<string> = new Set<EcdsaCurveName>(["prime256v1", "secp384r1", "secp521r1"]);

/** DER DigestInfo prefixes (RFC 8017 §9.2 note 1). */
const DIGEST_INFO_PREFIX: Record<PrehashAlgorithm, Buffer> = {
  sha256: Buffer.from("3031300d060960864801650304020105000420", "hex"),
  sha384: Buffer.from("3041300d060960864801650304020205000430", "hex"),
  sha512: Buffer.from("3051300d060960864801650304020305000440", "hex"),
};

/**
 * Verifies `signature` (DER for ECDSA) by `key` over `digest`, the already computed hash of the
 * signed message. Never throws: a malformed signature or key is simply not valid.
 */
export function verifyPrehashed(key: KeyObject, digest: Uint8Array, signature: Uint8Array, algorithm: PrehashAlgorithm): PrehashedResult {
  return check(key, digest, signature, algorithm, verifyEcdsaPrehashed);
}

/**
 * {@link verifyPrehashed} with ECDSA checked by `@noble/curves` alone: the reference the
 * differential tests compare the fast path with.
 */
export function verifyPrehashedReference(key: KeyObject, digest: Uint8Array, signature: Uint8Array, algorithm: PrehashAlgorithm): PrehashedResult {
  return check(key, digest, signature, algorithm, verifyEcdsaPrehashedNoble);
}

function check(key: KeyObject, digest: Uint8Array, signature: Uint8Array, algorithm: PrehashAlgorithm, ecdsa: typeof verifyEcdsaPrehashed): PrehashedResult {
  try {
    switch (key.asymmetricKeyType) {
      case "ec": {
        const curveName = key.asymmetricKeyDetails?.namedCurve;
        if (!curveName || !CURVES.has(curveName)) return { valid: false, unsupported: `ECDSA curve ${curveName ?? "unknown"} is not supported` };
        // No low-S rule: OpenSSL and Go do not normalize S.
        return { valid: ecdsa(curveName as EcdsaCurveName, key, digest, signature) };
      }
      case "rsa": {
        const recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
        const expected = Buffer.concat([DIGEST_INFO_PREFIX[algorithm], digest]);
        return { valid: recovered.length === expected.length && recovered.equals(expected) };
      }
      case "ed25519":
      case "ed448":
        return {
          valid: false,
          unsupported: `an ${key.asymmetricKeyType === "ed25519" ? "Ed25519" : "Ed448"} signature covers the whole artifact and cannot be checked from its digest; send the artifact's content`,
        };
      default:
        return { valid: false, unsupported: `${key.asymmetricKeyType ?? "unknown"} keys are not supported for digest-only verification` };
    }
  } catch {
    return { valid: false };
  }
}
