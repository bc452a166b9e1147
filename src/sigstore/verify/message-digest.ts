/**
 * The digest algorithm a message signature declares, in the names Node and this module use.
 *
 * Kept apart because both the artifact binding (which digest to compare) and the signature check
 * (which hash the signature is over) need the same mapping, and a disagreement between them would
 * be a verification bypass.
 */
import { HashAlgorithm } from "@sigstore/protobuf-specs";
import type { PrehashAlgorithm } from "./prehashed.js";

/** Node hash name of a bundle's `messageDigest.algorithm`; unspecified means SHA-256 (as in @sigstore/verify). */
export function messageDigestAlgorithm(algorithm: HashAlgorithm): PrehashAlgorithm | undefined {
  switch (algorithm) {
    case HashAlgorithm.HASH_ALGORITHM_UNSPECIFIED:
    case HashAlgorithm.SHA2_256:
      return "sha256";
    case HashAlgorithm.SHA2_384:
      return "sha384";
    case HashAlgorithm.SHA2_512:
      return "sha512";
    default:
      // SHA3 (LMS only) cannot be checked from a SHA-256 digest and is not used for artifacts.
      return undefined;
  }
}
