/**
 * Certificates parsed once, with the answers that only depend on their bytes kept.
 *
 * `@sigstore/verify` re-encodes a certificate to DER for every equality test and re-verifies the
 * leaf against the intermediate (ECDSA P-256 or P-384, 0.1–0.5 ms) for every bundle and every
 * signing time. The service's bundles reuse one leaf for its whole validity, so one parsed object
 * per distinct leaf DER is shared by every verification that carries it, and on it:
 * - `root.toDER()` is computed once (what `equals`, `clone` and `verify` call);
 * - `publicKey` (the SPKI DER) is computed once;
 * - `verify(issuer)` imports the issuer's key once (the key cache), and is remembered per issuer object. Issuers are the trust material's own
 *   certificate objects, one set per trusted root, so the answer is that of (this exact leaf DER,
 *   that exact issuer certificate): a bundle with the same leaf and another signature reuses the
 *   chain verdict, never a signature verdict.
 * Chain building, CA flags, name chaining and validity dates still run per verification in the
 * library; they are cheap once nothing is re-encoded.
 */
import { crypto as sigstoreCrypto, X509Certificate, type ASN1Obj } from "@sigstore/core";
import { publicKeyFromDer } from "./key-cache.js";
import { LruMap } from "./lru.js";

/**
 * Distinct leaf certificates kept parsed, per thread. A signer rotates its leaf every ten minutes
 * or so, so a few dozen cover hours of one service's bundles; bundles from many signers (each
 * leaf seen once) never hit, whatever the size. A parsed leaf with its memos holds ~55 KB (heap
 * and buffers, measured over 1,200 distinct leaves): 1,024 of them cost every worker ~60 MB.
 */
export const DEFAULT_LEAF_CACHE_SIZE = 64;

const MEMOIZED = Symbol("certus.memoized");

type Memoizable = X509Certificate & { [MEMOIZED]?: true };

const hasPublicKeyGetter = typeof Object.getOwnPropertyDescriptor(X509Certificate.prototype, "publicKey")?.get === "function";

type FindExtension = (this: X509Certificate, oid: string) => ASN1Obj | undefined;

const libraryFindExtension = Reflect.get(X509Certificate.prototype, "findExtension") as unknown;
const dateGetters = ["notBefore", "notAfter"].filter((name) => typeof Object.getOwnPropertyDescriptor(X509Certificate.prototype, name)?.get === "function");

/**
 * Extensions by OID and the validity dates, decoded once. Building a chain, the library looks up
 * the basic constraints, key usage and key identifiers of every candidate (decoding each
 * extension's OID on the way) and reads each certificate's dates, on every verification, for the
 * trust material's certificates too. An extension found is a node of the certificate's own tree,
 * which nothing changes (the SCT check edits a clone); each date read still gets its own `Date`.
 */
function memoizeLookups(cert: X509Certificate): void {
  if (typeof libraryFindExtension === "function") {
    const find = libraryFindExtension as FindExtension;
    const found = new Map<string, ASN1Obj | undefined>();
    const findExtension = (oid: string): ASN1Obj | undefined => {
      if (found.has(oid)) return found.get(oid);
      const ext = find.call(cert, oid);
      found.set(oid, ext);
      return ext;
    };
    Object.defineProperty(cert, "findExtension", { value: findExtension, enumerable: false, configurable: true, writable: true });
  }
  for (const name of dateGetters) {
    let time: number | undefined;
    const read = (): Date => Reflect.get(X509Certificate.prototype, name, cert) as Date;
    Object.defineProperty(cert, name, { get: () => new Date((time ??= read().getTime())), enumerable: false, configurable: true });
  }
}

/**
 * Makes a certificate object remember its DER, SPKI and signature checks. Idempotent. Each is
 * computed on first use, so a damaged certificate fails where and as it would unmemoized (and
 * again on the next call: only successes are kept).
 */
export function memoizeCertificate(cert: X509Certificate): X509Certificate {
  const target = cert as Memoizable;
  if (target[MEMOIZED]) return cert;
  const toDER = cert.root.toDER.bind(cert.root);
  let der: Buffer | undefined;
  cert.root.toDER = () => (der ??= toDER());
  if (hasPublicKeyGetter) {
    let spki: Buffer | undefined;
    // The prototype's getter, run on this certificate (the own property defined here shadows it).
    const publicKeyOf = (): Buffer => Reflect.get(X509Certificate.prototype, "publicKey", cert);
    Object.defineProperty(cert, "publicKey", { get: () => (spki ??= publicKeyOf()), enumerable: false, configurable: true });
  }
  memoizeLookups(cert);
  // As the library's `verify`, with the issuer's key from the key cache instead of imported anew.
  const verify = (issuer?: X509Certificate): boolean =>
    sigstoreCrypto.verify(cert.tbsCertificate.toDER(), publicKeyFromDer(issuer?.publicKey ?? cert.publicKey), cert.signatureValue, cert.signatureAlgorithm);
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
  target[MEMOIZED] = true;
  return cert;
}

const leaves = new LruMap<string, X509Certificate>(DEFAULT_LEAF_CACHE_SIZE);

/**
 * The shared, memoized certificate for these DER bytes. On first sight it is `parsed`, when the
 * caller already holds these very bytes parsed (the library's `toSignedEntity` parses the leaf
 * for every bundle: parsing it again here was a twentieth of a verification of a new leaf), or
 * else parsed here.
 * @throws like `X509Certificate.parse` for bytes that are not a certificate (nothing is cached)
 */
export function sharedCertificate(der: Uint8Array, parsed?: X509Certificate): X509Certificate {
  const id = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("base64");
  let cert = leaves.get(id);
  if (!cert) {
    cert = memoizeCertificate(parsed ?? X509Certificate.parse(Buffer.from(der)));
    leaves.set(id, cert);
  }
  return cert;
}

/** Drops every shared certificate (tests). */
export function clearCertificateCache(): void {
  leaves.clear();
}
