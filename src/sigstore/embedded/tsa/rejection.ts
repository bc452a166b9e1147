/**
 * Rejected RFC 3161 responses (RFC 3161 §2.4.2): a PKIStatusInfo with status rejection, one
 * PKIFailureInfo bit and a reason, no token. Rare (only the HTTP endpoint rejects), so built with
 * pkijs directly.
 */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

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

function failureBits(bit: FailureInfo): asn1js.BitString {
  // A DER named-bit BIT STRING ends at its last set bit.
  const bytes = new Uint8Array((bit >> 3) + 1);
  bytes[bit >> 3] = 0x80 >> (bit & 7);
  return new asn1js.BitString({ valueHex: bytes, unusedBits: 7 - (bit & 7) });
}
