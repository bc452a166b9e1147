/**
 * Checks that a bundle agrees with itself where `@sigstore/verify` does not look.
 *
 * - A v0.1/v0.2 `x509CertificateChain` must not carry a self-signed root: trust anchors come
 *   from the trusted root only (conformance `bundle-with-root-cert_fail`). The library ignores
 *   everything after the leaf, so a root there would never be noticed.
 * - The certificate or key the log recorded must be the one in the bundle (TLOG_BODY_MISMATCH).
 * - A log cannot have integrated an entry in the future; such a time is a forged or broken SET.
 * - An inclusion proof's `rootHash` and `treeSize` must be those of its signed checkpoint: the
 *   library proves inclusion against the checkpoint and ignores both fields, so without this check
 *   they could say anything (found by the mutation tests). Likewise a Rekor v2 entry's logIndex,
 *   which must be the proof's index (Rekor v1 shards number entries twice; see rekor-version.ts).
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import type { Bundle } from "@sigstore/bundle";
import { X509Certificate } from "@sigstore/core";
import { failure, type VerificationFailure } from "./failures.js";
import { rekorVersionOf } from "./rekor-version.js";
import { loggedVerifier } from "./tlog-body.js";

/** Clock skew tolerated between this host and the log before an integrated time is "in the future". */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

function isSelfSigned(cert: X509Certificate): boolean {
  try {
    return cert.subject.equals(cert.issuer) && cert.verify();
  } catch {
    return false;
  }
}

/** A root (self-signed) certificate shipped in the bundle's chain. */
export function checkChainHasNoRoot(bundle: Bundle): VerificationFailure | undefined {
  const material = bundle.verificationMaterial.content;
  if (material.$case !== "x509CertificateChain") return undefined;
  const certs = material.x509CertificateChain.certificates;
  for (const [i, der] of certs.entries()) {
    if (i === 0) continue;
    const cert = X509Certificate.parse(Buffer.from(der.rawBytes));
    if (isSelfSigned(cert)) {
      return failure(
        "CERT_CHAIN_INVALID",
        `bundle certificate chain includes a self-signed root (certificate ${i}); roots must come from the trusted root, not the bundle`,
      );
    }
  }
  return undefined;
}

/**
 * Compares each log entry's recorded verifier with the bundle's signing certificate (DER) or the
 * public key used to verify (SPKI DER).
 */
export function checkLoggedSigner(bundle: Bundle, signer: { certificate: Buffer } | { publicKey: KeyObject }): VerificationFailure | undefined {
  for (const [i, entry] of bundle.verificationMaterial.tlogEntries.entries()) {
    const logged = loggedVerifier(entry);
    if (!logged) continue;
    if ("certificate" in signer) {
      if ("certificate" in logged && !logged.certificate.equals(signer.certificate)) {
        return failure("TLOG_BODY_MISMATCH", `log entry ${i} records a different signing certificate than the bundle carries`);
      }
      // Rekor v2 may log the signer's key instead of its certificate: that is the same signer
      // exactly when the key is the certificate's subject public key.
      if ("publicKey" in logged && !sameKey(logged.publicKey, certificateKey(signer.certificate))) {
        return failure("TLOG_BODY_MISMATCH", `log entry ${i} records a public key that is not the key of the bundle's signing certificate`);
      }
    } else if ("publicKey" in logged && !sameKey(logged.publicKey, signer.publicKey)) {
      return failure("KEY_MISMATCH", `log entry ${i} says the bundle was signed by another key than the expected one`);
    }
  }
  return undefined;
}

/** The subject public key of a DER certificate; undefined when it cannot be read. */
function certificateKey(der: Buffer): KeyObject | undefined {
  try {
    return createPublicKey({ key: X509Certificate.parse(Buffer.from(der)).publicKey, format: "der", type: "spki" });
  } catch {
    return undefined;
  }
}

/** Compares keys, not encodings (a logged key may use another valid SPKI encoding). */
function sameKey(loggedSpki: Buffer, key: KeyObject | undefined): boolean {
  if (!key) return false;
  try {
    return createPublicKey({ key: loggedSpki, format: "der", type: "spki" }).equals(key);
  } catch {
    return false;
  }
}

/** Integrated times later than now (plus skew). */
export function checkIntegratedTimes(bundle: Bundle, now: number): VerificationFailure | undefined {
  for (const [i, entry] of bundle.verificationMaterial.tlogEntries.entries()) {
    const ms = Number(entry.integratedTime) * 1000;
    if (ms > now + MAX_CLOCK_SKEW_MS) {
      return failure(
        "TIMESTAMP_INVALID",
        `log entry ${i} claims it was integrated at ${new Date(ms).toISOString()}, after the current time ${new Date(now).toISOString()}`,
      );
    }
  }
  return undefined;
}

/** The size and root hash a signed note's body states (`<origin>\n<size>\n<base64 root>\n…`). */
function checkpointClaims(envelope: string): { size: string; root: Buffer } | undefined {
  const lines = envelope.split("\n");
  const size = lines[1];
  const root = lines[2];
  if (size === undefined || root === undefined) return undefined;
  return { size, root: Buffer.from(root, "base64") };
}

/** Each inclusion proof's root hash and tree size equal its checkpoint's. */
export function checkProofMatchesCheckpoint(bundle: Bundle): VerificationFailure | undefined {
  for (const [i, entry] of bundle.verificationMaterial.tlogEntries.entries()) {
    const proof = entry.inclusionProof;
    if (!proof?.checkpoint) continue;
    const claims = checkpointClaims(proof.checkpoint.envelope);
    if (!claims) continue; // a malformed checkpoint is the library's CHECKPOINT_INVALID
    if (claims.size !== proof.treeSize) {
      return failure("TLOG_INCLUSION_INVALID", `log entry ${i}: inclusion proof treeSize is ${proof.treeSize}, its checkpoint says ${claims.size}`);
    }
    if (!claims.root.equals(Buffer.from(proof.rootHash))) {
      return failure("TLOG_INCLUSION_INVALID", `log entry ${i}: inclusion proof rootHash differs from its checkpoint's root hash`);
    }
    // Rekor v2 has one tree per log: the entry's logIndex is the proof's, which is the only one
    // proven, so the two must agree. On a sharded Rekor v1 log they legitimately differ (global
    // index and index in the shard), with or without a SET: see rekor-version.ts.
    if (rekorVersionOf(entry) === 2 && entry.logIndex !== proof.logIndex) {
      return failure("TLOG_INCLUSION_INVALID", `log entry ${i}: logIndex is ${entry.logIndex}, but its inclusion proof is for index ${proof.logIndex}`);
    }
  }
  return undefined;
}
