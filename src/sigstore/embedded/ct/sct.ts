/**
 * RFC 6962 wire structures for precertificates: the data an SCT signs, the Merkle tree leaf,
 * the serialized SCT, the SCT list extension value and the STH signature input (all TLS
 * presentation language, big-endian, with 2- or 3-byte length prefixes).
 *
 * RFC 6962 §3.2 (SCT signature input, precert entry):
 *   sct_version(1)=v1(0) signature_type(1)=certificate_timestamp(0) timestamp(8)
 *   entry_type(2)=precert_entry(1) issuer_key_hash(32) tbs_certificate<1..2^24-1>(3-byte length)
 *   extensions<0..2^16-1>(2-byte length)
 * §3.4 (MerkleTreeLeaf): version(1)=0 leaf_type(1)=timestamped_entry(0) then the TimestampedEntry
 *   (timestamp, entry_type, the PreCert, extensions) — the same bytes from `timestamp` on.
 * §3.5 (STH signature input): version(1)=0 signature_type(1)=tree_hash(1) timestamp(8)
 *   tree_size(8) sha256_root_hash(32).
 */
import { createHash } from "node:crypto";

/** The RFC 6962 precertificate poison extension (critical, value ASN.1 NULL). */
export const OID_CT_POISON = "1.3.6.1.4.1.11129.2.4.3";
/** The embedded SCT list extension of a final certificate. */
export const OID_CT_SCT_LIST = "1.3.6.1.4.1.11129.2.4.2";

/** A precertificate entry as the log records it. */
export interface PrecertEntry {
  /** Milliseconds since the Unix epoch. */
  readonly timestamp: number;
  /** SHA-256 of the issuing CA's SubjectPublicKeyInfo DER. */
  readonly issuerKeyHash: Buffer;
  /** The precertificate's TBSCertificate with the poison extension removed. */
  readonly tbsCertificate: Buffer;
}

const V1 = 0;
const SIGNATURE_TYPE_CERTIFICATE_TIMESTAMP = 0;
const SIGNATURE_TYPE_TREE_HASH = 1;
const ENTRY_TYPE_PRECERT = 1;
const LEAF_TYPE_TIMESTAMPED_ENTRY = 0;
/** TLS HashAlgorithm sha256 and SignatureAlgorithm ecdsa (RFC 5246 §7.4.1.4.1). */
const HASH_SHA256 = 4;
const SIGNATURE_ECDSA = 3;

function uint(value: number, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  if (bytes === 8) out.writeBigUInt64BE(BigInt(value));
  else out.writeUIntBE(value, 0, bytes);
  return out;
}

function vector(data: Uint8Array, lengthBytes: number): Buffer {
  if (data.length >= 2 ** (8 * lengthBytes)) throw new RangeError(`TLS vector of ${data.length} bytes is too long`);
  return Buffer.concat([uint(data.length, lengthBytes), data]);
}

/** `timestamp ‖ entry_type ‖ PreCert ‖ extensions`: shared by the SCT input and the leaf. */
function timestampedPrecert(entry: PrecertEntry): Buffer {
  if (entry.issuerKeyHash.length !== 32) throw new RangeError("issuer key hash must be 32 bytes");
  return Buffer.concat([
    uint(entry.timestamp, 8),
    uint(ENTRY_TYPE_PRECERT, 2),
    entry.issuerKeyHash,
    vector(entry.tbsCertificate, 3),
    vector(Buffer.alloc(0), 2),
  ]);
}

/** What the log key signs for an SCT over `entry`. */
export function sctSignatureInput(entry: PrecertEntry): Buffer {
  return Buffer.concat([Buffer.from([V1, SIGNATURE_TYPE_CERTIFICATE_TIMESTAMP]), timestampedPrecert(entry)]);
}

/** The MerkleTreeLeaf (`leaf_input` of get-entries); its RFC 6962 leaf hash is the tree's leaf. */
export function merkleTreeLeaf(entry: PrecertEntry): Buffer {
  return Buffer.concat([Buffer.from([V1, LEAF_TYPE_TIMESTAMPED_ENTRY]), timestampedPrecert(entry)]);
}

/** TLS `DigitallySigned` with SHA-256/ECDSA and a DER signature. */
export function digitallySigned(signatureDer: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([HASH_SHA256, SIGNATURE_ECDSA]), vector(signatureDer, 2)]);
}

/** A serialized v1 SCT (no extensions). */
export function serializeSct(logId: Uint8Array, timestamp: number, signatureDer: Uint8Array): Buffer {
  if (logId.length !== 32) throw new RangeError("log ID must be 32 bytes");
  return Buffer.concat([Buffer.from([V1]), logId, uint(timestamp, 8), vector(Buffer.alloc(0), 2), digitallySigned(signatureDer)]);
}

/**
 * The value of the SCT list extension (the content of its extnValue OCTET STRING): RFC 6962
 * §3.3 wraps the TLS `SignedCertificateTimestampList` in one more DER OCTET STRING.
 */
export function sctListExtensionValue(scts: readonly Uint8Array[]): Buffer {
  const list = vector(Buffer.concat(scts.map((s) => vector(s, 2))), 2);
  const header =
    list.length < 0x80
      ? Buffer.from([0x04, list.length])
      : list.length <= 0xff
        ? Buffer.from([0x04, 0x81, list.length])
        : Buffer.from([0x04, 0x82, list.length >> 8, list.length & 0xff]);
  return Buffer.concat([header, list]);
}

/** What the log key signs for a signed tree head. */
export function treeHeadSignatureInput(timestamp: number, treeSize: number, rootHash: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([V1, SIGNATURE_TYPE_TREE_HASH]), uint(timestamp, 8), uint(treeSize, 8), rootHash]);
}

/** RFC 6962 §3.1 PrecertChainEntry (`extra_data` of get-entries): the precertificate and its chain. */
export function precertChainEntry(precertificate: Uint8Array, chain: readonly Uint8Array[]): Buffer {
  return Buffer.concat([vector(precertificate, 3), vector(Buffer.concat(chain.map((c) => vector(c, 3))), 3)]);
}

/** SHA-256 of an SPKI: the log ID of a log key, and the issuer key hash of a CA key. */
export function sha256(data: Uint8Array): Buffer {
  return createHash("sha256").update(data).digest();
}
