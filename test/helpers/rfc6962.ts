/**
 * An independent RFC 6962 / RFC 9162 reference, written from the RFC text and deliberately not
 * importing the production Merkle code, so tests compare two implementations.
 *
 * - referenceRoot: MTH as defined recursively in RFC 9162 §2.1.1, straight from the leaves.
 * - verifyInclusion: the algorithm of RFC 9162 §2.1.3.2.
 * - verifyConsistency: the algorithm of RFC 9162 §2.1.4.2.
 */
import { createHash } from "node:crypto";

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
};

/** HASH(0x00 || leaf). */
export const hashLeaf = (leaf: Uint8Array): Buffer => sha256(Buffer.from([0]), leaf);
/** HASH(0x01 || left || right). */
export const hashChildren = (l: Uint8Array, r: Uint8Array): Buffer => sha256(Buffer.from([1]), l, r);

/** MTH(D[n]) computed from leaf data by the RFC's recursive definition. */
export function referenceRoot(leaves: readonly Uint8Array[]): Buffer {
  return referenceRootOfHashes(leaves.map(hashLeaf));
}

/** Same, from leaf hashes (handy for large trees). */
export function referenceRootOfHashes(leafHashes: readonly Buffer[]): Buffer {
  const n = leafHashes.length;
  if (n === 0) return sha256();
  if (n === 1) return leafHashes[0]!;
  let k = 1;
  while (k * 2 < n) k *= 2;
  return hashChildren(referenceRootOfHashes(leafHashes.slice(0, k)), referenceRootOfHashes(leafHashes.slice(k)));
}

/** Right-shifts fn and sn (as numbers) together. */
const shr = (x: number): number => Math.floor(x / 2);
const lsb = (x: number): boolean => x % 2 === 1;
const isPowerOfTwo = (x: number): boolean => {
  while (x > 1 && x % 2 === 0) x /= 2;
  return x === 1;
};

/** RFC 9162 §2.1.3.2: does `path` prove `leafHash` at `index` in a tree of `size` with `root`? */
export function verifyInclusion(leafHash: Uint8Array, index: number, size: number, path: readonly Uint8Array[], root: Uint8Array): boolean {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leafHash);
  for (const p of path) {
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      r = hashChildren(p, r);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = shr(fn);
          sn = shr(sn);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = shr(fn);
    sn = shr(sn);
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 §2.1.4.2: does `proof` show the tree of `first` (firstRoot) is a prefix of `second`? */
export function verifyConsistency(first: number, second: number, firstRoot: Uint8Array, secondRoot: Uint8Array, proof: readonly Uint8Array[]): boolean {
  if (first < 1 || first > second) return false;
  if (first === second) return proof.length === 0 && Buffer.from(firstRoot).equals(secondRoot);
  if (proof.length === 0) return false;
  const path = [...proof];
  if (isPowerOfTwo(first)) path.unshift(firstRoot);
  let fn = first - 1;
  let sn = second - 1;
  while (lsb(fn)) {
    fn = shr(fn);
    sn = shr(sn);
  }
  let fr: Buffer = Buffer.from(path[0]!);
  let sr: Buffer = Buffer.from(path[0]!);
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = shr(fn);
          sn = shr(sn);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = shr(fn);
    sn = shr(sn);
  }
  return fr.equals(firstRoot) && sr.equals(secondRoot) && sn === 0;
}
