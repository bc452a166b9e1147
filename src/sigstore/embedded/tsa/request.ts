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
import { minimalIntegerContent } from "./der.js";
import { DIGEST_BYTES } from "./oids.js";
import { FailureInfo } from "./rejection.js";

/** Largest TimeStampReq accepted, in bytes. A real one is under 200 bytes; 16 KiB leaves room for extensions we then refuse. */
export const MAX_REQUEST_BYTES = 16 * 1024;
/** Largest nonce accepted, in bytes (OpenSSL sends 8). */
const MAX_NONCE_BYTES = 64;

/** A request the TSA can answer. */
export interface AcceptedRequest {
  ok: true;
  hashAlgorithm: string;
  hashedMessage: Uint8Array;
  /** The nonce as the content bytes of a DER INTEGER (minimal two's complement), to be echoed. */
  nonce?: Uint8Array;
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
  let nonce: Uint8Array | undefined;
  if (request.nonce !== undefined) {
    // Echoed with the same value, minimally encoded even if the request padded it (BER).
    nonce = minimalIntegerContent(new Uint8Array(request.nonce.valueBlock.valueHexView));
    if (nonce.length === 0) return refuse(FailureInfo.badRequest, "nonce must not be empty");
    if (nonce.length > MAX_NONCE_BYTES) return refuse(FailureInfo.badRequest, `nonce must be at most ${MAX_NONCE_BYTES} bytes`);
  }
  return {
    ok: true,
    hashAlgorithm,
    hashedMessage,
    ...(nonce !== undefined ? { nonce } : {}),
    certReq: request.certReq === true,
  };
}
