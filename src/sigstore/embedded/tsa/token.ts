/**
 * RFC 3161 time-stamp tokens and responses, built with pkijs and signed by a KeySigner.
 *
 * What @sigstore/core's `RFC3161Timestamp` reads, and therefore what this must produce: a
 * TimeStampResp (status, then the token: a CMS ContentInfo of SignedData) whose SignedData has the
 * encapsulated TSTInfo in a *primitive* OCTET STRING, exactly one SignerInfo identified by
 * IssuerAndSerialNumber (matched byte for byte against the trusted root's TSA leaf), signed
 * attributes carrying the messageDigest of the TSTInfo, and an ECDSA-SHA256 signature over the
 * DER SET of those attributes. The ESS signingCertificateV2 attribute is not read by
 * @sigstore/verify but RFC 3161 §2.4.2 and `openssl ts -verify` require it, so it is there.
 */
import * as asn1js from "asn1js";
import { createHash, randomBytes } from "node:crypto";
import * as pkijs from "pkijs";
import type { KeySigner } from "../../keys/key-signer.js";
import { survivesSigstoreReencoding } from "../../keys/sigstore-der.js";

export const OID_SHA256 = "2.16.840.1.101.3.4.2.1";
export const OID_SHA384 = "2.16.840.1.101.3.4.2.2";
export const OID_SHA512 = "2.16.840.1.101.3.4.2.3";
const OID_ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
const OID_SIGNED_DATA = "1.2.840.113549.1.7.2";
const OID_CT_TSTINFO = "1.2.840.113549.1.9.16.1.4";
const OID_ATTR_CONTENT_TYPE = "1.2.840.113549.1.9.3";
const OID_ATTR_MESSAGE_DIGEST = "1.2.840.113549.1.9.4";
const OID_ATTR_SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47";

/** Length in bytes of the random serial number of each token (positive, < 2^127). */
const SERIAL_BYTES = 16;
/** New serials to try when a token would not survive @sigstore/core's re-encoding (see sigstore-der.ts). */
const MAX_ATTEMPTS = 4;

/**
 * The TSA's signing key with its certificate, parsed and prepared once: parsing the certificate
 * with pkijs costs more than the rest of a token together.
 */
export interface TokenSigner {
  readonly key: KeySigner;
  readonly certificate: pkijs.Certificate;
  /** The signingCertificateV2 attribute naming `certificate`; the same in every token. */
  readonly signingCertificateAttribute: pkijs.Attribute;
}

/** Prepares the TSA leaf (DER) and its key for signing tokens. */
export function prepareTokenSigner(key: KeySigner, certificateDer: Uint8Array): TokenSigner {
  const certificate = pkijs.Certificate.fromBER(certificateDer);
  return {
    key,
    certificate,
    signingCertificateAttribute: attribute(OID_ATTR_SIGNING_CERTIFICATE_V2, signingCertificateV2(certificate, certificateDer)),
  };
}

/** What a token attests: a hash of some data, at `genTime`. */
export interface TokenContent {
  /** OID of the hash algorithm of `hashedMessage`. */
  hashAlgorithm: string;
  hashedMessage: Uint8Array;
  /** The TSA policy the token is issued under (OID). */
  policy: string;
  /** Whole-second time of issue. */
  genTime: Date;
  /** Echoed from the request, if it had one. */
  nonce?: asn1js.Integer;
  /** Whether to include the TSA certificate in the token (the request's certReq). */
  includeCertificate: boolean;
}

/** PKIFailureInfo bits (RFC 3161 §2.4.2) the embedded TSA reports. */
export const FailureInfo = {
  badAlg: 0,
  badRequest: 2,
  badDataFormat: 5,
  unacceptedPolicy: 15,
  unacceptedExtension: 16,
  systemFailure: 25,
} as const;
export type FailureInfo = (typeof FailureInfo)[keyof typeof FailureInfo];

/**
 * Builds a granted TimeStampResp, DER. This is both the body of an RFC 3161 HTTP response and the
 * `signedTimestamp` of a Sigstore bundle, which @sigstore/core parses as a TimeStampResp.
 */
export async function grantedResponse(content: TokenContent, signer: TokenSigner): Promise<Buffer<ArrayBuffer>> {
  let der: Buffer<ArrayBuffer> | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const token = await signToken(content, signer);
    const response = new pkijs.TimeStampResp({
      status: new pkijs.PKIStatusInfo({ status: pkijs.PKIStatus.granted }),
      timeStampToken: token,
    });
    der = Buffer.from(response.toSchema().toBER(false));
    // A fresh serial changes the TSTInfo and its digest; if the caller's own hash is what trips
    // @sigstore/core, no serial helps and the (RFC-correct) token is returned as is.
    if (survivesSigstoreReencoding(der)) return der;
  }
  return der as Buffer<ArrayBuffer>;
}

/** Builds a rejection TimeStampResp with one failure bit and a human-readable reason, DER. */
export function rejectionResponse(failure: FailureInfo, reason: string): Buffer<ArrayBuffer> {
  const response = new pkijs.TimeStampResp({
    status: new pkijs.PKIStatusInfo({
      status: pkijs.PKIStatus.rejection,
      statusStrings: [new asn1js.Utf8String({ value: reason })],
      failInfo: failureBits(failure),
    }),
  });
  return Buffer.from(response.toSchema().toBER(false));
}

async function signToken(content: TokenContent, signer: TokenSigner): Promise<pkijs.ContentInfo> {
  const certificate = signer.certificate;
  const tstInfo = new pkijs.TSTInfo({
    version: 1,
    policy: content.policy,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: content.hashAlgorithm }),
      hashedMessage: new asn1js.OctetString({ valueHex: content.hashedMessage }),
    }),
    serialNumber: new asn1js.Integer({ valueHex: randomSerial() }),
    genTime: content.genTime,
    accuracy: new pkijs.Accuracy({ seconds: 1 }),
    ...(content.nonce ? { nonce: content.nonce } : {}),
  });
  const tstInfoDer = new Uint8Array(tstInfo.toSchema().toBER(false));

  const signedAttrs = new pkijs.SignedAndUnsignedAttributes({
    type: 0,
    attributes: sortedForDer([
      attribute(OID_ATTR_CONTENT_TYPE, new asn1js.ObjectIdentifier({ value: OID_CT_TSTINFO })),
      attribute(OID_ATTR_MESSAGE_DIGEST, new asn1js.OctetString({ valueHex: sha256(tstInfoDer) })),
      signer.signingCertificateAttribute,
    ]),
  });
  // The signature covers the attributes re-tagged as a SET (RFC 5652 §5.4), exactly as encoded.
  const toSign = new Uint8Array(signedAttrs.toSchema().toBER(false));
  toSign[0] = 0x31;
  const signature = await signer.key.sign(toSign);

  const encapContentInfo = new pkijs.EncapsulatedContentInfo({ eContentType: OID_CT_TSTINFO });
  // Assigned after construction on purpose: pkijs's constructor would turn the OCTET STRING into a
  // constructed (BER) one, which @sigstore/core cannot find the TSTInfo in.
  encapContentInfo.eContent = new asn1js.OctetString({ valueHex: tstInfoDer });

  const signedData = new pkijs.SignedData({
    version: 3,
    digestAlgorithms: [new pkijs.AlgorithmIdentifier({ algorithmId: OID_SHA256 })],
    encapContentInfo,
    ...(content.includeCertificate ? { certificates: [certificate] } : {}),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: certificate.issuer, serialNumber: certificate.serialNumber }),
        digestAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID_SHA256 }),
        signedAttrs,
        signatureAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID_ECDSA_WITH_SHA256 }),
        signature: new asn1js.OctetString({ valueHex: signature }),
      }),
    ],
  });
  return new pkijs.ContentInfo({ contentType: OID_SIGNED_DATA, content: signedData.toSchema(true) });
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
    value: [new asn1js.OctetString({ valueHex: sha256(certificateDer) }), issuerSerial],
  });
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] });
}

function attribute(type: string, value: asn1js.AsnType): pkijs.Attribute {
  return new pkijs.Attribute({ type, values: [value] });
}

/** DER encodes a SET OF in ascending order of the elements' encodings; OpenSSL re-encodes that way when verifying. */
function sortedForDer(attributes: pkijs.Attribute[]): pkijs.Attribute[] {
  const encoded = attributes.map((a) => ({ a, der: Buffer.from(a.toSchema().toBER(false)) }));
  encoded.sort((x, y) => Buffer.compare(x.der, y.der));
  return encoded.map((e) => e.a);
}

function failureBits(bit: FailureInfo): asn1js.BitString {
  // A DER named-bit BIT STRING ends at its last set bit.
  const bytes = new Uint8Array((bit >> 3) + 1);
  bytes[bit >> 3] = 0x80 >> (bit & 7);
  return new asn1js.BitString({ valueHex: bytes, unusedBits: 7 - (bit & 7) });
}

function randomSerial(): Uint8Array {
  const serial = randomBytes(SERIAL_BYTES);
  // Positive and minimally encoded: top bit clear, first byte non-zero.
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  return serial;
}

function sha256(data: Uint8Array): Buffer {
  return createHash("sha256").update(data).digest();
}
