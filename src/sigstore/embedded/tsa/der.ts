/**
 * A tiny DER writer for the few variable parts of a time-stamp token.
 *
 * Everything constant in a token is encoded once with pkijs/asn1js (see token-template.ts); what
 * changes per token (TSTInfo, the messageDigest attribute, the signature and the lengths of what
 * encloses them) is only concatenation of already-encoded pieces under a tag and a definite,
 * minimal length, which is all this module does. Encoding a generic ASN.1 tree per token with
 * asn1js cost about ten times the ECDSA signature itself.
 */

/** Tags the token builder writes (universal class unless noted). */
export const Tag = {
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
  /** [0], constructed, context-specific: EXPLICIT [0] wrappers and IMPLICIT [0] SETs in CMS. */
  CONTEXT_0: 0xa0,
} as const;

/** Largest content a TLV here may have: far beyond any token, small enough for a 3-byte length. */
const MAX_CONTENT_BYTES = 0xffffff;

/** Byte length of a DER length field for `length` content bytes (short form below 128). */
function lengthBytes(length: number): number {
  if (length < 0x80) return 1;
  if (length <= 0xff) return 2;
  if (length <= 0xffff) return 3;
  return 4;
}

/**
 * Encodes `tag`, the minimal definite length of the concatenated `parts`, and the parts: one
 * DER TLV. `tag` is a single identifier byte (low tag numbers only, which is all CMS needs here).
 */
export function tlv(tag: number, ...parts: Uint8Array[]): Buffer<ArrayBuffer> {
  let length = 0;
  for (const part of parts) length += part.length;
  if (length > MAX_CONTENT_BYTES) throw new RangeError(`DER content of ${length} bytes is too long`);
  const header = 1 + lengthBytes(length);
  const out = Buffer.allocUnsafe(header + length);
  out[0] = tag;
  if (header === 2) {
    out[1] = length;
  } else {
    const n = header - 2;
    out[1] = 0x80 | n;
    for (let i = 0; i < n; i++) out[2 + i] = (length >>> (8 * (n - 1 - i))) & 0xff;
  }
  let offset = header;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * The minimal two's-complement form of an INTEGER's content bytes (DER forbids a leading 0x00
 * before a byte < 0x80 and a leading 0xff before a byte >= 0x80). Same value; `content` must not
 * be empty.
 */
export function minimalIntegerContent(content: Uint8Array): Uint8Array {
  let start = 0;
  // A leading byte is redundant when the next byte's top bit repeats it (X.690 §8.3.2).
  const topBitOfNext = (i: number) => (content[i + 1] ?? 0) & 0x80; // i + 1 < length in the loop
  while (start < content.length - 1 && ((content[start] === 0x00 && topBitOfNext(start) === 0) || (content[start] === 0xff && topBitOfNext(start) !== 0))) {
    start++;
  }
  return start === 0 ? content : content.subarray(start);
}

/**
 * A DER GeneralizedTime of whole seconds, `YYYYMMDDHHMMSSZ` (RFC 3161 §2.4.2 with no fraction:
 * @sigstore/core parses only that or exactly three fraction digits). Sub-second parts of `time`
 * are dropped.
 */
export function generalizedTime(time: Date): Buffer<ArrayBuffer> {
  const year = time.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) throw new RangeError("genTime must be within years 0000 to 9999");
  const text =
    pad(year, 4) +
    pad(time.getUTCMonth() + 1, 2) +
    pad(time.getUTCDate(), 2) +
    pad(time.getUTCHours(), 2) +
    pad(time.getUTCMinutes(), 2) +
    pad(time.getUTCSeconds(), 2) +
    "Z";
  return tlv(Tag.GENERALIZED_TIME, Buffer.from(text, "latin1"));
}

function pad(value: number, digits: number): string {
  return value.toString().padStart(digits, "0");
}
