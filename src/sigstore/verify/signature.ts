/**
 * Checks the bundle's signature ourselves, and hands `@sigstore/verify` the result.
 *
 * Two reasons to do it here rather than leave it to the library:
 * - The library checks the signature last (after the log), so a flipped signature byte shows as
 *   `TLOG_BODY_ERROR`; checking it first lets the person see SIGNATURE_INVALID.
 * - The library cannot check a message signature without the artifact's bytes. Here it is checked
 *   over the bundle's own `messageDigest` (prehashed) when the bytes are absent or do not match;
 *   whether that digest is the artifact's is the separate DIGEST_MISMATCH check.
 *
 * The library then receives a {@link CheckedSignatureContent} whose `verifySignature` reuses the
 * result for the same key, so no signature is verified twice.
 */
import { createHash, type KeyObject } from "node:crypto";
import type { Bundle } from "@sigstore/bundle";
import { crypto as sigstoreCrypto, dsse } from "@sigstore/core";
import type { SignedEntity } from "@sigstore/verify";
import type { Artifact } from "./artifact.js";
import { messageDigestAlgorithm } from "./message-digest.js";
import { verifyPrehashed, verifyPrehashedReference } from "./prehashed.js";

/** Whether a signature verified, and why it could not be checked at all when that is the case. */
export interface SignatureCheck {
  readonly valid: boolean;
  readonly unsupported?: string;
}

type SignatureContent = SignedEntity["signature"];

/** A function that checks the bundle's signature under a given key. */
export type SignatureChecker = (key: KeyObject) => SignatureCheck;

/** A field of a parsed bundle that JSON may lack although the generated type marks it required. */
function maybeMissing<T>(value: T): T | undefined {
  return value;
}

/**
 * Builds the checker for this bundle and artifact (computing the PAE or digest comparison once).
 * `reference` checks digest-only ECDSA with `@noble/curves` alone (the differential tests' baseline).
 */
export function signatureChecker(bundle: Bundle, artifact: Artifact, reference = false): SignatureChecker {
  const content = bundle.content;
  if (content.$case === "dsseEnvelope") {
    const envelope = content.dsseEnvelope;
    const pae = dsse.preAuthEncoding(envelope.payloadType, Buffer.from(envelope.payload));
    const sig = Buffer.from(envelope.signatures[0]?.sig ?? []);
    return (key) => ({ valid: sigstoreCrypto.verify(pae, key, sig) });
  }
  const message = content.messageSignature;
  const sig = Buffer.from(message.signature);
  const messageDigest = maybeMissing(message.messageDigest);
  const declared = Buffer.from(messageDigest?.digest ?? []);
  const algorithm = messageDigest ? messageDigestAlgorithm(messageDigest.algorithm) : "sha256";
  if (!algorithm) return () => ({ valid: false, unsupported: "the bundle's digest algorithm is not supported" });
  // With the bytes, and when they are what the bundle says was signed, OpenSSL checks the
  // signature over them (fast, and the only way for Ed25519). Otherwise check over the declared
  // digest, so the verdict on the signature does not depend on which artifact was sent.
  const bytes = artifact.content;
  const bytesMatch = bytes !== undefined && createHash(algorithm).update(bytes).digest().equals(declared);
  if (bytesMatch) {
    return (key) => ({ valid: sigstoreCrypto.verify(bytes, key, sig, key.asymmetricKeyType === "ed25519" ? undefined : algorithm) });
  }
  const prehashed = reference ? verifyPrehashedReference : verifyPrehashed;
  return (key) => prehashed(key, declared, sig, algorithm);
}

/**
 * The bundle's signature content with `verifySignature` answered by a {@link SignatureChecker}
 * (memoized per key); digest and signature comparisons are those of the library's own content.
 */
export class CheckedSignatureContent implements SignatureContent {
  readonly #inner: SignatureContent;
  readonly #check: SignatureChecker;
  #last: { key: KeyObject; result: SignatureCheck } | undefined;

  constructor(inner: SignatureContent, check: SignatureChecker) {
    this.#inner = inner;
    this.#check = check;
  }

  get signature(): Buffer {
    return this.#inner.signature;
  }

  compareSignature(signature: Buffer): boolean {
    return this.#inner.compareSignature(signature);
  }

  compareDigest(digest: Buffer): boolean {
    return this.#inner.compareDigest(digest);
  }

  compareSignedDigest(digest: Buffer): boolean {
    return this.#inner.compareSignedDigest(digest);
  }

  /** Checks (or recalls the check) under `key`. */
  check(key: KeyObject): SignatureCheck {
    if (this.#last && (this.#last.key === key || this.#last.key.equals(key))) return this.#last.result;
    const result = this.#check(key);
    this.#last = { key, result };
    return result;
  }

  verifySignature(key: KeyObject): boolean {
    return this.check(key).valid;
  }
}
