/**
 * Parsing of RFC 3161 TimeStampReq bodies from the network.
 *
 * Bytes from outside are hostile: the body is size-limited before parsing, parse failures of
 * asn1js and pkijs are caught, and every way a request can be unacceptable maps to the
 * PKIFailureInfo bit RFC 3161 names for it, so the endpoint answers with a rejection instead of
 * throwing.
 */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { FailureInfo, OID_SHA256, OID_SHA384, OID_SHA512 } from "./token.js";

/** Largest TimeStampReq accepted, in bytes. A real one is under 200 bytes; 16 KiB leaves room for extensions we then refuse. */
export const MAX_REQUEST_BYTES = 16 * 1024;
/** Largest nonce accepted, in bytes (OpenSSL sends 8). */
const MAX_NONCE_BYTES = 64;

/** Digest lengths of the hash algorithms a request may use, by OID. */
const DIGEST_BYTES: Readonly<Record<string, number>> = {
  [OID_SHA256]: 32,
  [OID_SHA384]: 48,
  [OID_SHA512]: 64,
};

/** A request the TSA can answer. */
export interface AcceptedRequest {
  ok: true;
  hashAlgorithm: string;
  hashedMessage: Uint8Array;
  nonce?: asn1js.Integer;
  certReq: boolean;
}

/** A request the TSA refuses, with the RFC 3161 failure bit and a reason for the statusString. */
export interface RefusedRequest {
  ok: false;
  failure: FailureInfo;
  reason: string;
}

/** Parses and checks a DER TimeStampReq against the TSA's policy OID. Never throws. */
export function parseTimeStampRequest(der: Uint8Array, policy: string): AcceptedRequest | RefusedRequest {
  const refuse = (failure: FailureInfo, reason: string): RefusedRequest => ({ ok: false, failure, reason });
  if (der.length === 0 || der.length > MAX_REQUEST_BYTES) {
    return refuse(FailureInfo.badDataFormat, `request must be 1 to ${MAX_REQUEST_BYTES} bytes`);
  }
  let request: pkijs.TimeStampReq;
  try {
    const parsed = asn1js.fromBER(new Uint8Array(der));
    if (parsed.offset !== der.length) return refuse(FailureInfo.badDataFormat, "not a single DER TimeStampReq");
    request = new pkijs.TimeStampReq({ schema: parsed.result });
  } catch {
    return refuse(FailureInfo.badDataFormat, "not a DER TimeStampReq");
  }
  if (request.version !== 1) return refuse(FailureInfo.badRequest, "unsupported TimeStampReq version");

  const hashAlgorithm = request.messageImprint.hashAlgorithm.algorithmId;
  const expectedLength = DIGEST_BYTES[hashAlgorithm];
  if (expectedLength === undefined) return refuse(FailureInfo.badAlg, "hash algorithm must be SHA-256, SHA-384 or SHA-512");
  const hashedMessage = new Uint8Array(request.messageImprint.hashedMessage.valueBlock.valueHexView);
  if (hashedMessage.length !== expectedLength) return refuse(FailureInfo.badDataFormat, "hashed message has the wrong length");

  if (request.reqPolicy !== undefined && request.reqPolicy !== policy) {
    return refuse(FailureInfo.unacceptedPolicy, `only policy ${policy} is offered`);
  }
  if (request.extensions !== undefined && request.extensions.length > 0) {
    return refuse(FailureInfo.unacceptedExtension, "request extensions are not supported");
  }
  if (request.nonce !== undefined && request.nonce.valueBlock.valueHexView.length > MAX_NONCE_BYTES) {
    return refuse(FailureInfo.badRequest, `nonce must be at most ${MAX_NONCE_BYTES} bytes`);
  }
  return {
    ok: true,
    hashAlgorithm,
    hashedMessage,
    ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
    certReq: request.certReq === true,
  };
}
