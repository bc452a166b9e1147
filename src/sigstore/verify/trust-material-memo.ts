/**
 * Makes the trust root's constant work happen once instead of on every verification.
 *
 * Profiling showed most of a verification spent in `@sigstore/verify`'s chain building: for
 * every bundle it re-verifies the CA's intermediate against its root and the root against itself
 * (P-384 ECDSA each), re-imports their public keys and re-serializes them to DER for every
 * equality test. Those answers never change for the certificates of a trusted root, which are
 * immutable objects owned by our cache, so each trusted certificate is memoized (see
 * `certificate-memo.ts`). Semantics are unchanged: the same methods, the same answers, computed
 * at most once.
 */
import type { TrustMaterial } from "@sigstore/verify";
import { memoizeCertificate } from "./certificate-memo.js";

/** Memoizes the constant certificate work of a trust material built from a trusted root. */
export function memoizeTrustMaterial(material: TrustMaterial): TrustMaterial {
  for (const authority of [...material.certificateAuthorities, ...material.timestampAuthorities]) {
    for (const cert of authority.certChain) memoizeCertificate(cert);
  }
  return material;
}
