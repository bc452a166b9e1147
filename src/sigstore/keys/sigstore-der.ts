/**
 * A guard against a quirk of @sigstore/core's ASN.1 parser.
 *
 * @sigstore/core verifies a certificate over `tbsCertificate.toDER()` and an RFC 3161 token over
 * `signedAttrs.toDER()` (and its TSTInfo digest over `tstInfo.toDER()`), all re-encoded from its
 * parse tree, not the received bytes. Its parser also tries to read every OCTET STRING as nested
 * DER. When opaque bytes inside one (a key identifier, a message digest) happen to look like a TLV
 * with a length the parser accepts but would encode differently, the re-encoding differs from what
 * was signed and a perfectly valid signature fails. Releases up to 3.x accepted non-minimal
 * lengths and hit this about once in 10^5 structures; 4.x rejects them (the OCTET STRING then
 * stays opaque), but the check is kept so that a parser change cannot silently break tokens and
 * certificates: every structure we sign is checked before use and re-made (with a fresh serial
 * number) when it would not survive the round trip.
 *
 * The round trip can only change a length written in long form: a tag byte and a short-form
 * length (< 128) have one encoding. So a structure that provably uses short-form lengths wherever
 * the parser looks survives without asking @sigstore/core, which is what makes the check cheap
 * for an ECDSA signature or a small digest; everything else is asked of @sigstore/core itself.
 */
import { ASN1Obj } from "@sigstore/core";

/** True if @sigstore/core parses `der` and re-encodes it to exactly the same bytes. */
export function survivesSigstoreReencoding(der: Uint8Array): boolean {
  if (provablyRoundTrips(der)) return true;
  // The parser throws (and catches) an error for every OCTET STRING of opaque bytes it tries to
  // read as DER, which is every TSA token's message digest; without stack traces those throws
  // cost little (they were about 1.5 % of a Sign's CPU time).
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const buffer: Buffer<ArrayBuffer> = Buffer.from(der);
    return ASN1Obj.parseBuffer(buffer).toDER().equals(buffer);
  } catch {
    return false;
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/** Nesting depth up to which {@link provablyRoundTrips} looks; far below @sigstore/core's limit of 100. */
const MAX_PROOF_DEPTH = 16;
const TAG_OCTET_STRING = 0x04;
const CONSTRUCTED = 0x20;

/**
 * True if `der` is one TLV that any DER re-encoder of @sigstore/core's kind reproduces exactly:
 * every length it parses is short form, every tag is one low-number identifier byte it accepts,
 * and every OCTET STRING either holds such TLVs end to end or is empty. False means "not proven",
 * not "does not survive" (an OCTET STRING of opaque bytes is not proven here).
 */
export function provablyRoundTrips(der: Uint8Array): boolean {
  return tlvEnd(der, 0, der.length, 0) === der.length;
}

/** End offset of the provably stable TLV at `start` that must end by `limit`, or -1. */
function tlvEnd(der: Uint8Array, start: number, limit: number, depth: number): number {
  const tag = der[start];
  const length = der[start + 1];
  if (depth > MAX_PROOF_DEPTH || start + 2 > limit || tag === undefined || length === undefined) return -1;
  // Long-form tag numbers and universal tag 0 are refused by the parser; long-form lengths may re-encode.
  if ((tag & 0x1f) === 0x1f || (tag & 0xdf) === 0x00 || length >= 0x80) return -1;
  const end = start + 2 + length;
  if (end > limit) return -1;
  if ((tag & CONSTRUCTED) !== 0 || (tag === TAG_OCTET_STRING && length > 0)) {
    // Contents the parser reads as nested TLVs: all of them must be proven, end to end.
    let offset = start + 2;
    while (offset < end) {
      offset = tlvEnd(der, offset, end, depth + 1);
      if (offset < 0) return -1;
    }
  }
  return end;
}
