/**
 * `@sigstore/core`'s ASN.1 re-encoding (`ASN1Obj.toDER`), the same bytes in one allocation.
 *
 * The library re-encodes a certificate's TBS to DER for every signature check on it (the leaf
 * against its issuer, and the leaf without its SCT extension for each SCT), and its encoder gives
 * every node of the tree a fresh zero-filled stream of at least 1 KiB and copies each level's
 * bytes into the next: a leaf certificate (~150 nodes) costs ~150 KiB of allocation per encoding.
 * Profiling verifications of distinct bundles put a fifth of a worker's time there.
 *
 * {@link encodeDer} follows the library's rule exactly (tag byte `tag.toDER()`, the definite
 * minimal length, then either the concatenated encodings of the node's children or, with none,
 * its value bytes) but measures the tree first and writes it into one buffer. It replaces the
 * library's method only inside {@link withFastDer}, which the engine's memoized path runs under;
 * everywhere else (the unmemoized baseline the differential tests compare with, `@sigstore/sign`)
 * the library's own encoder runs. `test/unit/verify/der-encoder.test.ts` holds the two to the same
 * bytes.
 */
import { ASN1Obj } from "@sigstore/core";

/** The part of an ASN.1 node the encoding reads. */
interface DerNode {
  readonly tag: { toDER(): number };
  readonly value: Uint8Array;
  readonly subs: readonly DerNode[];
}

/** The library's own `toDER`, as it was before this module replaced it. */
// eslint-disable-next-line @typescript-eslint/unbound-method -- kept to be called with an ASN1Obj as `this`
export const libraryToDer: (this: ASN1Obj) => Buffer = ASN1Obj.prototype.toDER;

let active = 0;

/** Bytes of the definite length field for `len` content bytes. */
function lengthFieldSize(len: number): number {
  if (len < 128) return 1;
  let n = 1;
  for (let v = len; v > 0; v = Math.floor(v / 256)) n++;
  return n;
}

/**
 * Content length of each node, computed once per encoding, in pre-order (the order `write`
 * visits them): `sizes[i]` is the i-th visited node's.
 */
function measure(node: DerNode, sizes: number[]): number {
  const slot = sizes.length;
  sizes.push(0);
  let content = 0;
  if (node.subs.length > 0) {
    for (const sub of node.subs) {
      const c = measure(sub, sizes);
      content += 1 + lengthFieldSize(c) + c;
    }
  } else {
    content = node.value.length;
  }
  sizes[slot] = content;
  return content;
}

/** Writes `node` at `at`; `cursor.next` is the pre-order index of `node` in `sizes`. */
function write(node: DerNode, out: Buffer, at: number, sizes: readonly number[], cursor: { next: number }): number {
  const content = sizes[cursor.next++] ?? 0;
  out[at++] = node.tag.toDER();
  if (content < 128) {
    out[at++] = content;
  } else {
    const bytes = lengthFieldSize(content) - 1;
    out[at++] = 0x80 | bytes;
    for (let i = bytes - 1; i >= 0; i--) out[at++] = Math.floor(content / 2 ** (8 * i)) & 0xff;
  }
  if (node.subs.length > 0) {
    for (const sub of node.subs) at = write(sub, out, at, sizes, cursor);
  } else {
    out.set(node.value, at);
    at += node.value.length;
  }
  return at;
}

/** The DER encoding of `node`, byte for byte what the library's `toDER` gives. */
export function encodeDer(node: DerNode): Buffer {
  const sizes: number[] = [];
  const content = measure(node, sizes);
  const out = Buffer.allocUnsafe(1 + lengthFieldSize(content) + content);
  write(node, out, 0, sizes, { next: 0 });
  return out;
}

/**
 * Runs `fn` with `ASN1Obj.toDER` answered by {@link encodeDer}. Synchronous work only.
 */
export function withFastDer<T>(fn: () => T): T {
  active++;
  try {
    return fn();
  } finally {
    active--;
  }
}

ASN1Obj.prototype.toDER = function toDER(this: ASN1Obj): Buffer {
  return active > 0 ? encodeDer(this) : libraryToDer.call(this);
};
