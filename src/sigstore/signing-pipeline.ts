/**
 * The one signing pipeline, whatever provides the CA, the log and the TSA: a `Signer` (the
 * service's identity: a key plus a short-lived certificate) and witnesses (log, timestamp)
 * plugged into `@sigstore/sign`'s bundle builder for DSSE, and the same parts assembled by hand
 * for message signatures made from a digest alone (the library's builder hashes the artifact
 * bytes itself, which the service never has).
 */
import { pem } from "@sigstore/core";
import { BUNDLE_V03_MEDIA_TYPE, bundleToJSON, type Bundle, type SerializedBundle } from "@sigstore/bundle";
import { DSSEBundleBuilder, type Signature, type Signer, type SignatureBundle, type Witness } from "@sigstore/sign";
import { HashAlgorithm } from "@sigstore/protobuf-specs";

/** The in-toto payload type of DSSE statements. */
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

/** A signer that can also sign a SHA-256 digest without hashing it again. */
export interface DigestSigner extends Signer {
  signPrehashed(digest: Uint8Array): Promise<Signature>;
}

/** Runs every witness over the signed content, in parallel, and merges what they return. */
async function witness(witnesses: readonly Witness[], content: SignatureBundle, verifierPem: string) {
  const materials = await Promise.all(witnesses.map((w) => w.testify(content, verifierPem)));
  return {
    tlogEntries: materials.flatMap((m) => m.tlogEntries ?? []),
    rfc3161Timestamps: materials.flatMap((m) => m.rfc3161Timestamps ?? []),
  };
}

function certificateDer(text: string): Buffer {
  return pem.toDER(text);
}

/** Signs an in-toto statement as DSSE (bundle v0.3 with a single certificate), as JSON. */
export async function signDsse(signer: Signer, witnesses: readonly Witness[], statement: Buffer): Promise<SerializedBundle> {
  return bundleToJSON(await signDsseBundle(signer, witnesses, statement));
}

/** {@link signDsse}, in `@sigstore/bundle`'s object form (for callers that answer in protobuf). */
export async function signDsseBundle(signer: Signer, witnesses: readonly Witness[], statement: Buffer): Promise<Bundle> {
  const builder = new DSSEBundleBuilder({ signer, witnesses: [...witnesses] });
  return builder.create({ data: statement, type: IN_TOTO_PAYLOAD_TYPE });
}

/**
 * Signs a SHA-256 digest as a message signature (bundle v0.3 with a single certificate), the
 * signature being an ordinary ECDSA-SHA256 signature over the artifact bytes.
 */
export async function signDigest(signer: DigestSigner, witnesses: readonly Witness[], digest: Buffer): Promise<SerializedBundle> {
  return bundleToJSON(await signDigestBundle(signer, witnesses, digest));
}

/** {@link signDigest}, in `@sigstore/bundle`'s object form (for callers that answer in protobuf). */
export async function signDigestBundle(signer: DigestSigner, witnesses: readonly Witness[], digest: Buffer): Promise<Bundle> {
  const sig = await signer.signPrehashed(digest);
  if (sig.key.$case !== "x509Certificate") throw new Error("the service signer must present a certificate");
  const content: SignatureBundle = {
    $case: "messageSignature",
    messageSignature: { messageDigest: { algorithm: HashAlgorithm.SHA2_256, digest }, signature: sig.signature },
  };
  const material = await witness(witnesses, content, sig.key.certificate);
  const bundle: Bundle = {
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: {
      content: { $case: "certificate", certificate: { rawBytes: certificateDer(sig.key.certificate) } },
      tlogEntries: material.tlogEntries,
      timestampVerificationData: { rfc3161Timestamps: material.rfc3161Timestamps },
    },
    content,
  };
  return bundle;
}
