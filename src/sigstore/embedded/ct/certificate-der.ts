/**
 * Byte-level surgery on DER certificates for the RFC 6962 precertificate flow.
 *
 * An SCT is signed over the precertificate's TBSCertificate with the poison extension removed,
 * and every verifier (sigstore-js, sigstore-go, sigstore-python) reconstructs those bytes from
 * the final certificate by removing the SCT-list extension and re-encoding. So the final
 * certificate must be the precertificate's TBS with exactly one extension swapped, every other
 * byte unchanged. Doing that on the DER itself (rather than re-issuing through an X.509 builder,
 * which would draw a new serial number and re-encode fields) makes the equality hold by
 * construction.
 *
 * Only the definite-length, single-byte-tag DER that certificates use is read; anything else is
 * refused with a `CertificateDerError`, never a `RangeError`.
 */
import { tlv } from "../tsa/der.js";

/** A certificate the CT code cannot take apart. */
export class CertificateDerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CertificateDerError";
  }
}

/** One DER element found in a buffer. */
interface Element {
  readonly tag: number;
  /** Offset of the tag byte. */
  readonly start: number;
  /** Offset of the first content byte. */
  readonly contentStart: number;
  /** Offset just past the content. */
  readonly end: number;
}

const SEQUENCE = 0x30;
const OID = 0x06;
const BOOLEAN = 0x01;
const OCTET_STRING = 0x04;
const BIT_STRING = 0x03;
/** `[3] EXPLICIT` of TBSCertificate.extensions. */
const EXTENSIONS_TAG = 0xa3;

/** The byte at `offset`; callers check their bounds first, so a miss is a truncated element. */
function byteAt(der: Uint8Array, offset: number): number {
  const byte = der[offset];
  if (byte === undefined) throw new CertificateDerError("truncated DER element");
  return byte;
}

function readElement(der: Uint8Array, offset: number, limit: number): Element {
  if (offset + 2 > limit) throw new CertificateDerError("truncated DER element");
  const tag = byteAt(der, offset);
  if ((tag & 0x1f) === 0x1f) throw new CertificateDerError("multi-byte DER tags are not supported");
  let length = byteAt(der, offset + 1);
  let contentStart = offset + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > 3) throw new CertificateDerError("unsupported DER length form");
    if (contentStart + n > limit) throw new CertificateDerError("truncated DER length");
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + byteAt(der, contentStart + i);
    contentStart += n;
  }
  const end = contentStart + length;
  if (end > limit) throw new CertificateDerError("DER element runs past its container");
  return { tag, start: offset, contentStart, end };
}

function childrenOf(der: Uint8Array, parent: Element): Element[] {
  const out: Element[] = [];
  for (let offset = parent.contentStart; offset < parent.end;) {
    const child = readElement(der, offset, parent.end);
    out.push(child);
    offset = child.end;
  }
  return out;
}

/** The three parts of a Certificate: TBS, signature algorithm and signature, each as full DER. */
export interface CertificateParts {
  readonly tbs: Buffer;
  readonly signatureAlgorithm: Buffer;
  /** The BIT STRING's value without its unused-bits byte (a DER ECDSA signature). */
  readonly signature: Buffer;
}

/** Splits a DER certificate into its parts. */
export function splitCertificate(der: Uint8Array): CertificateParts {
  const cert = readElement(der, 0, der.length);
  if (cert.tag !== SEQUENCE || cert.end !== der.length) throw new CertificateDerError("not a DER certificate");
  const parts = childrenOf(der, cert);
  const [tbs, algorithm, sig] = parts;
  if (parts.length !== 3 || tbs?.tag !== SEQUENCE || algorithm?.tag !== SEQUENCE || sig?.tag !== BIT_STRING) {
    throw new CertificateDerError("a certificate is SEQUENCE { tbs, algorithm, BIT STRING }");
  }
  if (der[sig.contentStart] !== 0) throw new CertificateDerError("signature BIT STRING has unused bits");
  const slice = (e: Element) => Buffer.from(der.subarray(e.start, e.end));
  return { tbs: slice(tbs), signatureAlgorithm: slice(algorithm), signature: Buffer.from(der.subarray(sig.contentStart + 1, sig.end)) };
}

/** Reassembles a certificate from a TBS, its signature algorithm and a DER signature. */
export function assembleCertificate(tbs: Uint8Array, signatureAlgorithm: Uint8Array, signature: Uint8Array): Buffer {
  return tlv(SEQUENCE, tbs, signatureAlgorithm, tlv(BIT_STRING, Buffer.from([0]), signature));
}

/** One extension of a TBS. */
export interface ExtensionView {
  /** DER of the extension's OID (tag and length included). */
  readonly oid: Buffer;
  readonly critical: boolean;
  /** The extnValue OCTET STRING's content. */
  readonly value: Buffer;
  /** The whole `Extension` SEQUENCE. */
  readonly der: Buffer;
}

function locateExtensions(tbs: Uint8Array): { tbsElement: Element; fields: Element[]; list: Element; items: Element[] } {
  const tbsElement = readElement(tbs, 0, tbs.length);
  if (tbsElement.tag !== SEQUENCE || tbsElement.end !== tbs.length) throw new CertificateDerError("TBSCertificate is not one SEQUENCE");
  const fields = childrenOf(tbs, tbsElement);
  const wrapper = fields.at(-1);
  if (wrapper === undefined || wrapper.tag !== EXTENSIONS_TAG) throw new CertificateDerError("TBSCertificate has no extensions");
  const inner = childrenOf(tbs, wrapper);
  const list = inner[0];
  if (inner.length !== 1 || list?.tag !== SEQUENCE) throw new CertificateDerError("extensions are not one SEQUENCE");
  return { tbsElement, fields, list, items: childrenOf(tbs, list) };
}

/** The extensions of a TBSCertificate, in order. */
export function extensionsOf(tbs: Uint8Array): ExtensionView[] {
  const { items } = locateExtensions(tbs);
  return items.map((item) => {
    const parts = childrenOf(tbs, item);
    const [oid, second] = parts;
    const value = parts.at(-1);
    if (item.tag !== SEQUENCE || parts.length < 2 || parts.length > 3 || oid?.tag !== OID || second === undefined || value === undefined) {
      throw new CertificateDerError("malformed extension");
    }
    const critical = parts.length === 3 && second.tag === BOOLEAN && tbs[second.contentStart] !== 0;
    if (value.tag !== OCTET_STRING) throw new CertificateDerError("extension value is not an OCTET STRING");
    return {
      oid: Buffer.from(tbs.subarray(oid.start, oid.end)),
      critical,
      value: Buffer.from(tbs.subarray(value.contentStart, value.end)),
      der: Buffer.from(tbs.subarray(item.start, item.end)),
    };
  });
}

/**
 * The TBS with the extension `oid` (OID DER) replaced by `replacement` (a whole Extension DER),
 * or removed when `replacement` is undefined. Every other byte is kept. Throws if `oid` is not
 * present exactly once.
 */
export function replaceExtension(tbs: Uint8Array, oid: Uint8Array, replacement: Uint8Array | undefined): Buffer {
  const { fields, items } = locateExtensions(tbs);
  const views = extensionsOf(tbs);
  const matches = views.flatMap((v, i) => (v.oid.equals(oid) ? [i] : []));
  if (matches.length !== 1) throw new CertificateDerError(`the extension must be present exactly once (found ${matches.length})`);
  const kept = items.map((item, i) => (i === matches[0] ? replacement : tbs.subarray(item.start, item.end))).filter((b): b is Uint8Array => b !== undefined);
  const before = fields.slice(0, -1).map((f) => tbs.subarray(f.start, f.end));
  // An empty extensions SEQUENCE is not valid DER for a certificate: drop the [3] wrapper then.
  const extensions = kept.length === 0 ? [] : [tlv(EXTENSIONS_TAG, tlv(SEQUENCE, ...kept))];
  return tlv(SEQUENCE, ...before, ...extensions);
}

/** An Extension SEQUENCE: `oid` (OID DER), the critical flag (omitted when false, as DER wants) and the value. */
export function encodeExtension(oid: Uint8Array, critical: boolean, value: Uint8Array): Buffer {
  return tlv(SEQUENCE, oid, ...(critical ? [Buffer.from([BOOLEAN, 1, 0xff])] : []), tlv(OCTET_STRING, value));
}

/** DER of an OBJECT IDENTIFIER given in dotted form (arcs below 2^31). */
export function oidDer(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split(".").map(Number);
  if (first === undefined || second === undefined) throw new CertificateDerError(`an OID has at least two arcs: ${dotted}`);
  const bytes: number[] = [first * 40 + second];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(OID, Buffer.from(bytes));
}
