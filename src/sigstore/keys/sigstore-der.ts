/**
 * A guard against a quirk of @sigstore/core's ASN.1 parser.
 *
 * @sigstore/core verifies a certificate over `tbsCertificate.toDER()` and an RFC 3161 token over
 * `signedAttrs.toDER()`, both re-encoded from its parse tree, not the received bytes. Its parser
 * also tries to read every OCTET STRING as nested DER. When opaque bytes inside one (a key
 * identifier, a message digest) happen to look like a TLV with a non-minimal length, the re-encoding
 * differs from what was signed and a perfectly valid signature fails. This is rare (on the order
 * of 1 in 10^5 per structure) but real, so every structure we sign is checked once before use and
 * re-made (with a fresh serial number) when it would not survive the round trip.
 */
import { ASN1Obj } from "@sigstore/core";

/** True if @sigstore/core parses `der` and re-encodes it to exactly the same bytes. */
export function survivesSigstoreReencoding(der: Uint8Array): boolean {
  try {
    const buffer: Buffer<ArrayBuffer> = Buffer.from(der);
    return ASN1Obj.parseBuffer(buffer).toDER().equals(buffer);
  } catch {
    return false;
  }
}
