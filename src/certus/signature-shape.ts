/**
 * Reads an inner signature as it arrives (base64 text) before any cryptography: a placeholder
 * (`mock-signature-…`, `base64-encoded-signature`, empty) and a malformed value (not base64, not
 * a DER ECDSA signature, not an RSA-sized block) are refused with their own reasons, so a caller
 * that never signed learns that, rather than "signature invalid".
 */
import { refusal, type Refusal } from "./reasons.js";

/** Longest base64 signature accepted, characters (an RSA-4096 signature is 684). */
export const MAX_SIGNATURE_CHARS = 4096;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const PLACEHOLDER = /(mock|placeholder|fake|dummy|example|todo|changeme|base64|signature|unsigned)/i;
/** RSA signature sizes accepted (2048, 3072, 4096 bits), bytes. */
const RSA_SIZES = new Set([256, 384, 512]);

/** True when `der` is an ASN.1 SEQUENCE of exactly two positive INTEGERs (ECDSA-Sig-Value). */
export function isDerEcdsaSignature(der: Uint8Array): boolean {
  let at = 0;
  const length = (): number | undefined => {
    const first = der[at++];
    if (first === undefined) return undefined;
    if (first < 0x80) return first;
    if (first !== 0x81) return undefined; // ECDSA signatures up to P-521 fit in one length byte
    const n = der[at++];
    return n !== undefined && n >= 0x80 ? n : undefined;
  };
  if (der[at++] !== 0x30) return false;
  const total = length();
  if (total === undefined || at + total !== der.length) return false;
  for (let i = 0; i < 2; i++) {
    if (der[at++] !== 0x02) return false;
    const n = length();
    if (n === undefined || n === 0 || n > 67 || at + n > der.length) return false;
    const first = der[at];
    if (first === undefined || (first & 0x80) !== 0) return false; // negative (defined: n > 0 bytes follow)
    at += n;
  }
  return at === der.length;
}

/** The signature bytes, or why the text is not a signature. */
export function readSignature(text: string, field: string): { bytes: Buffer } | Refusal {
  const trimmed = text.trim();
  if (trimmed === "") return refusal("placeholder_signature", `${field} is empty: the scan was not signed`);
  if (trimmed.length > MAX_SIGNATURE_CHARS)
    return refusal("malformed_signature", `${field} is ${trimmed.length} characters; a signature is at most ${MAX_SIGNATURE_CHARS}`);
  const compact = trimmed.replace(/\s+/g, "");
  if (!BASE64.test(compact) || compact.length % 4 === 1) {
    if (PLACEHOLDER.test(trimmed))
      return refusal("placeholder_signature", `${field} ${JSON.stringify(trimmed.slice(0, 60))} is a placeholder, not a signature`);
    return refusal("malformed_signature", `${field} is not base64`);
  }
  const bytes = Buffer.from(compact, "base64");
  if (isDerEcdsaSignature(bytes) || RSA_SIZES.has(bytes.length)) return { bytes };
  const printable = bytes.length > 0 && bytes.every((b) => b >= 0x20 && b < 0x7f);
  if (PLACEHOLDER.test(compact) || printable) {
    return refusal("placeholder_signature", `${field} decodes to text, not a signature: a placeholder from a caller that did not sign`);
  }
  return refusal("malformed_signature", `${field} is ${bytes.length} bytes that are neither an ASN.1 DER ECDSA signature nor an RSA signature`);
}
