/**
 * Granted RFC 3161 responses: the constant pieces of token-template.ts with this token's TSTInfo,
 * messageDigest attribute and signature spliced in, signed by a KeySigner.
 *
 * What @sigstore/core's `RFC3161Timestamp` reads, and therefore what this must produce: a
 * TimeStampResp (status, then the token: a CMS ContentInfo of SignedData) whose SignedData has the
 * encapsulated TSTInfo in a *primitive* OCTET STRING, exactly one SignerInfo identified by
 * IssuerAndSerialNumber (matched byte for byte against the trusted root's TSA leaf), signed
 * attributes carrying the messageDigest of the TSTInfo, and an ECDSA-SHA256 signature over the
 * DER SET of those attributes. `openssl ts -verify` also needs the ESS signingCertificateV2
 * attribute and the attributes in DER SET OF order, as it re-encodes them before verifying.
 *
 * Cost: one ECDSA signature, two SHA-256 and a few small copies (tens of microseconds); encoding
 * the same token through pkijs's object model cost about 2 ms.
 */
import { createHash, randomBytes } from "node:crypto";
import type { KeySigner } from "../../keys/key-signer.js";
import { survivesSigstoreReencoding } from "../../keys/sigstore-der.js";
import { generalizedTime, minimalIntegerContent, Tag, tlv } from "./der.js";
import { prepareTokenTemplate, type TokenTemplate } from "./token-template.js";

/** Length in bytes of the random serial number of each token (positive, < 2^127). */
const SERIAL_BYTES = 16;
/** New serials to try when a token would not survive @sigstore/core's re-encoding (see sigstore-der.ts). */
const MAX_ATTEMPTS = 4;
const NOTHING = new Uint8Array(0);

/** The TSA's signing key with the constant parts of its tokens, prepared once at open. */
export interface TokenSigner {
  readonly key: KeySigner;
  readonly template: TokenTemplate;
}

/**
 * Prepares the TSA leaf (DER), its key and the policy OID for signing tokens. Throws a
 * `TrustError` if the certificate is unusable (see {@link prepareTokenTemplate}).
 */
export function prepareTokenSigner(key: KeySigner, certificateDer: Uint8Array, policy: string): TokenSigner {
  return { key, template: prepareTokenTemplate(certificateDer, policy) };
}

/** What a token attests: a hash of some data, at `genTime`. */
export interface TokenContent {
  /** OID of the hash algorithm of `hashedMessage`: SHA-256, SHA-384 or SHA-512. */
  hashAlgorithm: string;
  hashedMessage: Uint8Array;
  /** Time of issue; written as whole seconds. */
  genTime: Date;
  /** The request's nonce, as the content bytes of its DER INTEGER, if it had one; echoed. */
  nonce?: Uint8Array;
  /** Whether to include the TSA certificate in the token (the request's certReq). */
  includeCertificate: boolean;
}

/**
 * Builds a granted TimeStampResp, DER. This is both the body of an RFC 3161 HTTP response and the
 * `signedTimestamp` of a Sigstore bundle, which @sigstore/core parses as a TimeStampResp. Throws
 * if the signing key fails, and a `TypeError` for a hash algorithm the template does not know.
 */
export async function grantedResponse(content: TokenContent, signer: TokenSigner): Promise<Buffer<ArrayBuffer>> {
  const t = signer.template;
  const hashAlgorithm = t.hashAlgorithms.get(content.hashAlgorithm);
  if (hashAlgorithm === undefined) throw new TypeError(`unsupported message imprint hash algorithm ${content.hashAlgorithm}`);
  const hashedMessage = tlv(Tag.OCTET_STRING, content.hashedMessage);
  const messageImprint = tlv(Tag.SEQUENCE, hashAlgorithm, hashedMessage);
  const genTime = generalizedTime(content.genTime);
  const nonce = content.nonce ? tlv(Tag.INTEGER, minimalIntegerContent(content.nonce)) : NOTHING;

  let response: Buffer<ArrayBuffer> | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const tstInfo = tlv(Tag.SEQUENCE, t.tstInfoVersion, t.policy, messageImprint, tlv(Tag.INTEGER, randomSerial()), genTime, t.accuracy, nonce);
    const messageDigest = tlv(Tag.OCTET_STRING, sha256(tstInfo));
    const signedAttributes = signedAttributesContent(t, messageDigest);
    // The signature covers the attributes as a SET (RFC 5652 §5.4); the SignerInfo carries them [0] IMPLICIT.
    const signature = tlv(Tag.OCTET_STRING, await signer.key.sign(tlv(Tag.SET, signedAttributes)));

    const signerInfo = tlv(
      Tag.SEQUENCE,
      t.signerInfoVersion,
      t.signerIdentifier,
      t.signerDigestAlgorithm,
      tlv(Tag.CONTEXT_0, signedAttributes),
      t.signatureAlgorithm,
      signature,
    );
    const encapContentInfo = tlv(Tag.SEQUENCE, t.tstInfoContentType, tlv(Tag.CONTEXT_0, tlv(Tag.OCTET_STRING, tstInfo)));
    const signedData = tlv(
      Tag.SEQUENCE,
      t.signedDataVersion,
      t.digestAlgorithms,
      encapContentInfo,
      content.includeCertificate ? t.certificates : NOTHING,
      tlv(Tag.SET, signerInfo),
    );
    const contentInfo = tlv(Tag.SEQUENCE, t.signedDataContentType, tlv(Tag.CONTEXT_0, signedData));
    response = tlv(Tag.SEQUENCE, t.grantedStatus, contentInfo);

    // The constant pieces were checked once (token-template.ts) and the serial, genTime and nonce
    // are primitives @sigstore/core never looks into, so the token survives its re-encoding
    // exactly when the three OCTET STRINGs made here do. Only the message digest and the
    // signature change with a fresh serial; the imprint is the caller's hash, and if it is what
    // trips @sigstore/core no serial helps: the (RFC-correct) token is returned as is, so the
    // imprint is not checked. Checking only these parts costs microseconds; the whole token
    // through @sigstore/core costs over 0.5 ms (certificate included).
    if (survivesSigstoreReencoding(messageDigest) && survivesSigstoreReencoding(signature)) return response;
  }
  return response as Buffer<ArrayBuffer>;
}

/**
 * The content of the signed attributes SET: contentType, messageDigest and signingCertificateV2,
 * in DER SET OF order (ascending encodings), which OpenSSL restores before it verifies.
 */
function signedAttributesContent(t: TokenTemplate, messageDigest: Uint8Array): Buffer<ArrayBuffer> {
  const messageDigestAttribute = tlv(Tag.SEQUENCE, t.messageDigestAttributeType, tlv(Tag.SET, messageDigest));
  const attributes = [t.contentTypeAttribute, messageDigestAttribute, t.signingCertificateAttribute].sort((a, b) => Buffer.compare(a, b));
  return Buffer.concat(attributes);
}

/** Serials drawn from the CSPRNG at once: one `randomBytes` call costs several microseconds, whatever its size. */
const SERIALS_PER_DRAW = 256;
let serialPool = Buffer.alloc(0);
let serialOffset = 0;

/** A fresh random serial number, the content bytes of a DER INTEGER. */
function randomSerial(): Buffer {
  if (serialOffset + SERIAL_BYTES > serialPool.length) {
    serialPool = randomBytes(SERIAL_BYTES * SERIALS_PER_DRAW);
    serialOffset = 0;
  }
  const serial = serialPool.subarray(serialOffset, serialOffset + SERIAL_BYTES);
  serialOffset += SERIAL_BYTES;
  // Positive and minimally encoded: top bit clear, first byte non-zero.
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01;
  return serial;
}

function sha256(data: Uint8Array): Buffer {
  return createHash("sha256").update(data).digest();
}
