/**
 * A bundle as `@sigstore/sign` builds it (`@sigstore/bundle`'s form: bytes as Buffers, int64 as
 * strings, oneofs as `$case`) turned straight into the protobuf message the RPC answers with.
 *
 * Why: going through the bundle's JSON (`bundleToJSON`, then `fromJson`) base64-encodes every
 * byte field only to decode it again, and walks the schema by reflection; on the Sign hot path
 * that round trip cost more than building the message field by field. The bytes are shared, not
 * copied: the message is serialized once and dropped.
 *
 * Only what a bundle v0.3 the service signs can hold is mapped; a field this file does not know
 * would be a new kind of bundle, and is refused loudly rather than dropped.
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { Bundle as SigstoreBundle, TransparencyLogEntry as SigstoreTlogEntry } from "@sigstore/bundle";
import { HashAlgorithm as SigstoreHashAlgorithm } from "@sigstore/protobuf-specs";
import { BundleSchema, type Bundle } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import { HashAlgorithm } from "@certus/trust-sdk/gen/sigstore_common_pb";

type TlogEntryInit = NonNullable<NonNullable<MessageInitShape<typeof BundleSchema>["verificationMaterial"]>["tlogEntries"]>[number];

function tlogEntry(e: SigstoreTlogEntry): TlogEntryInit {
  return {
    logIndex: BigInt(e.logIndex),
    logId: e.logId,
    kindVersion: e.kindVersion,
    integratedTime: BigInt(e.integratedTime),
    inclusionPromise: e.inclusionPromise,
    inclusionProof: e.inclusionProof && {
      logIndex: BigInt(e.inclusionProof.logIndex),
      rootHash: e.inclusionProof.rootHash,
      treeSize: BigInt(e.inclusionProof.treeSize),
      hashes: e.inclusionProof.hashes,
      checkpoint: e.inclusionProof.checkpoint,
    },
    canonicalizedBody: e.canonicalizedBody,
  };
}

/** The service signs SHA-256 digests only; the two generated enums number it alike, but are distinct types. */
function sha256Only(algorithm: SigstoreHashAlgorithm): HashAlgorithm {
  if (algorithm !== SigstoreHashAlgorithm.SHA2_256) throw new Error(`a signed bundle's message digest is SHA-256, not ${SigstoreHashAlgorithm[algorithm]}`);
  return HashAlgorithm.SHA2_256;
}

/** The protobuf message of a bundle with a single certificate (what the signing pipeline makes). */
export function bundleMessage(b: SigstoreBundle): Bundle {
  const material = b.verificationMaterial;
  if (material.content.$case !== "certificate") throw new Error("a signed bundle carries exactly one certificate");
  const content = b.content;
  return create(BundleSchema, {
    mediaType: b.mediaType,
    verificationMaterial: {
      content: { case: "certificate", value: { rawBytes: material.content.certificate.rawBytes } },
      tlogEntries: material.tlogEntries.map(tlogEntry),
      timestampVerificationData: material.timestampVerificationData && {
        rfc3161Timestamps: material.timestampVerificationData.rfc3161Timestamps.map((t) => ({ signedTimestamp: t.signedTimestamp })),
      },
    },
    content:
      content.$case === "dsseEnvelope"
        ? {
            case: "dsseEnvelope",
            value: {
              payload: content.dsseEnvelope.payload,
              payloadType: content.dsseEnvelope.payloadType,
              signatures: content.dsseEnvelope.signatures.map((s) => ({ sig: s.sig, keyid: s.keyid })),
            },
          }
        : {
            case: "messageSignature",
            value: {
              messageDigest: {
                algorithm: sha256Only(content.messageSignature.messageDigest.algorithm),
                digest: content.messageSignature.messageDigest.digest,
              },
              signature: content.messageSignature.signature,
            },
          },
  });
}
