/**
 * Makes the trust root's constant work happen once instead of on every verification.
 *
 * Profiling (see the report) showed most of a verification spent in `@sigstore/verify`'s chain
 * building: for every bundle it re-verifies the CA's intermediate against its root and the root
 * against itself (P-384 ECDSA each), re-imports their public keys and re-serializes them to DER for
 * every equality test. Those answers never change for the certificates of a trusted root, which are
 * immutable objects owned by our cache, so each trusted certificate gets:
 * - `verify(issuer)` memoized per issuer object (a bundle's leaf is a new object per call, so its
 *   results are never reused across bundles; the WeakMap lets them go);
 * - its DER computed once (`root.toDER`), which `equals` and `verify` call repeatedly.
 * Semantics are unchanged: the same methods, the same answers, computed at most once.
 */
import type { X509Certificate } from "@sigstore/core";
import type { TrustMaterial } from "@sigstore/verify";

const MEMOIZED = Symbol("certus.memoized");

type Memoizable = X509Certificate & { [MEMOIZED]?: true };

function memoizeCertificate(cert: Memoizable): void {
  if (cert[MEMOIZED]) return;
  const der = cert.root.toDER();
  cert.root.toDER = () => der;
  const verify = cert.verify.bind(cert);
  const results = new WeakMap<object, boolean>();
  cert.verify = (issuer?: X509Certificate): boolean => {
    const key = issuer ?? cert;
    let result = results.get(key);
    if (result === undefined) {
      result = verify(issuer);
      results.set(key, result);
    }
    return result;
  };
  cert[MEMOIZED] = true;
}

/** Memoizes the constant certificate work of a trust material built from a trusted root. */
export function memoizeTrustMaterial(material: TrustMaterial): TrustMaterial {
  for (const authority of [...material.certificateAuthorities, ...material.timestampAuthorities]) {
    for (const cert of authority.certChain) memoizeCertificate(cert as Memoizable);
  }
  return material;
}
