/**
 * The constant parts of every time-stamp token this TSA issues, DER-encoded once at open.
 *
 * A token differs from the next only in its TSTInfo (message imprint, serial number, genTime,
 * nonce), the messageDigest attribute, the signature, and whether the certificate is included.
 * Everything else (status, algorithm identifiers, the signer's IssuerAndSerialNumber, the ESS
 * signingCertificateV2 attribute, the policy) is encoded here with pkijs/asn1js, and token.ts
 * splices the variable parts in between with a minimal DER writer.
 */
import * as asn1js from "asn1js";
import { createHash } from "node:crypto";
import * as pkijs from "pkijs";
import { TrustError } from "../../../errors.js";
import { survivesSigstoreReencoding } from "../../keys/sigstore-der.js";
import { Tag, tlv } from "./der.js";
import {
  DIGEST_BYTES,
  OID_ATTR_CONTENT_TYPE,
  OID_ATTR_MESSAGE_DIGEST,
  OID_ATTR_SIGNING_CERTIFICATE_V2,
  OID_CT_TSTINFO,
  OID_ECDSA_WITH_SHA256,
  OID_SHA256,
  OID_SIGNED_DATA,
} from "./oids.js";

/** Constant DER pieces of a granted TimeStampResp, each a complete TLV. */
export interface TokenTemplate {
  /** PKIStatusInfo { status granted }. */
  readonly grantedStatus: Buffer;
  /** ContentInfo.contentType: id-signedData. */
  readonly signedDataContentType: Buffer;
  /** SignedData.version 3 (the encapsulated content is not id-data). */
  readonly signedDataVersion: Buffer;
  /** SignedData.digestAlgorithms: SET { sha256 }. */
  readonly digestAlgorithms: Buffer;
  /** EncapsulatedContentInfo.eContentType: id-ct-TSTInfo. */
  readonly tstInfoContentType: Buffer;
  /** SignedData.certificates: [0] IMPLICIT SET OF with the TSA leaf, byte for byte as issued. */
  readonly certificates: Buffer;
  /** SignerInfo.version 1 (signer identified by IssuerAndSerialNumber). */
  readonly signerInfoVersion: Buffer;
  /** SignerInfo.sid: the TSA leaf's issuer and serial number, which verifiers match to the trusted root. */
  readonly signerIdentifier: Buffer;
  /** SignerInfo.digestAlgorithm: sha256. */
  readonly signerDigestAlgorithm: Buffer;
  /** SignerInfo.signatureAlgorithm: ecdsa-with-SHA256. */
  readonly signatureAlgorithm: Buffer;
  /** Signed attribute contentType = id-ct-TSTInfo. */
  readonly contentTypeAttribute: Buffer;
  /** The attrType OID of the messageDigest attribute (its value is per token). */
  readonly messageDigestAttributeType: Buffer;
  /** Signed attribute signingCertificateV2 naming the TSA leaf (RFC 3161 §2.4.2; openssl checks it). */
  readonly signingCertificateAttribute: Buffer;
  /** TSTInfo.version 1. */
  readonly tstInfoVersion: Buffer;
  /** TSTInfo.policy. */
  readonly policy: Buffer;
  /** TSTInfo.accuracy: 1 second (genTime is whole seconds). */
  readonly accuracy: Buffer;
  /** MessageImprint.hashAlgorithm for each accepted hash algorithm, by OID. */
  readonly hashAlgorithms: ReadonlyMap<string, Buffer>;
}

/**
 * Encodes the constant pieces for the TSA leaf `certificateDer` and `policy` (an OID). Throws a
 * `TrustError` (`FAILED_PRECONDITION`) if the certificate is unreadable, or if a piece would not
 * survive @sigstore/core's re-encoding: then no token of this TSA could verify, and no fresh
 * serial number would help.
 */
export function prepareTokenTemplate(certificateDer: Uint8Array, policy: string): TokenTemplate {
  let certificate: pkijs.Certificate;
  try {
    certificate = pkijs.Certificate.fromBER(Buffer.from(certificateDer));
  } catch (cause) {
    throw new TrustError("FAILED_PRECONDITION", "TSA certificate: not a readable X.509 certificate", { cause });
  }
  const template: TokenTemplate = {
    grantedStatus: der(new pkijs.PKIStatusInfo({ status: pkijs.PKIStatus.granted })),
    signedDataContentType: der(new asn1js.ObjectIdentifier({ value: OID_SIGNED_DATA })),
    signedDataVersion: der(new asn1js.Integer({ value: 3 })),
    digestAlgorithms: der(new asn1js.Set({ value: [algorithm(OID_SHA256).toSchema()] })),
    tstInfoContentType: der(new asn1js.ObjectIdentifier({ value: OID_CT_TSTINFO })),
    // The leaf exactly as issued, not pkijs's re-encoding of it.
    certificates: tlv(Tag.CONTEXT_0, certificateDer),
    signerInfoVersion: der(new asn1js.Integer({ value: 1 })),
    signerIdentifier: der(new pkijs.IssuerAndSerialNumber({ issuer: certificate.issuer, serialNumber: certificate.serialNumber })),
    signerDigestAlgorithm: der(algorithm(OID_SHA256)),
    signatureAlgorithm: der(algorithm(OID_ECDSA_WITH_SHA256)),
    contentTypeAttribute: der(attribute(OID_ATTR_CONTENT_TYPE, new asn1js.ObjectIdentifier({ value: OID_CT_TSTINFO }))),
    messageDigestAttributeType: der(new asn1js.ObjectIdentifier({ value: OID_ATTR_MESSAGE_DIGEST })),
    signingCertificateAttribute: der(attribute(OID_ATTR_SIGNING_CERTIFICATE_V2, signingCertificateV2(certificate, certificateDer))),
    tstInfoVersion: der(new asn1js.Integer({ value: 1 })),
    policy: der(new asn1js.ObjectIdentifier({ value: policy })),
    accuracy: der(new pkijs.Accuracy({ seconds: 1 })),
    hashAlgorithms: new Map(Object.keys(DIGEST_BYTES).map((oid) => [oid, der(algorithm(oid))])),
  };
  for (const [name, piece] of Object.entries(template)) {
    const pieces = piece instanceof Map ? [...piece.values()] : [piece as Buffer];
    if (!pieces.every(survivesSigstoreReencoding)) {
      throw new TrustError("FAILED_PRECONDITION", `TSA token part ${name} would not survive @sigstore/core's re-encoding`);
    }
  }
  return template;
}

/** SigningCertificateV2 { certs: [ ESSCertIDv2 { certHash, issuerSerial } ] }, hash SHA-256 (the DEFAULT, so omitted). */
function signingCertificateV2(certificate: pkijs.Certificate, certificateDer: Uint8Array): asn1js.Sequence {
  const issuerSerial = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [
          // GeneralName directoryName: [4] EXPLICIT Name
          new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [certificate.issuer.toSchema()] }),
        ],
      }),
      certificate.serialNumber,
    ],
  });
  const essCertIdV2 = new asn1js.Sequence({
    value: [new asn1js.OctetString({ valueHex: createHash("sha256").update(certificateDer).digest() }), issuerSerial],
  });
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] });
}

/** An AlgorithmIdentifier without parameters (RFC 5754 for SHA-2, RFC 5758 for ECDSA). */
function algorithm(oid: string): pkijs.AlgorithmIdentifier {
  return new pkijs.AlgorithmIdentifier({ algorithmId: oid });
}

function attribute(type: string, value: asn1js.AsnType): pkijs.Attribute {
  return new pkijs.Attribute({ type, values: [value] });
}

function der(value: { toSchema(): asn1js.AsnType } | asn1js.AsnType): Buffer {
  const schema = "toSchema" in value ? value.toSchema() : value;
  return Buffer.from(schema.toBER(false));
}
