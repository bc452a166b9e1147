/**
 * RFC 9162 verification of what a log hands out: inclusion proofs, consistency proofs, and the
 * root of a whole tree recomputed from its leaves.
 *
 * Written from the RFC text (§2.1.1 tree hash, §2.1.3.2 inclusion, §2.1.4.2 consistency) and
 * deliberately independent of the embedded log's `merkle.ts`, which computes the proofs: an
 * auditor that shared the prover's code would share its bugs.
 */
import { createHash } from "node:crypto";

/** Size of every hash (SHA-256), in bytes. */
export const MERKLE_HASH_BYTES = 32;

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
};

/** HASH(0x00 ‖ leaf): the hash of a leaf (for our log, the entry's canonicalized body). */
export const merkleLeafHash = (leaf: Uint8Array): Buffer => sha256(Buffer.from([0]), leaf);
/** HASH(0x01 ‖ left ‖ right). */
const interior = (left: Uint8Array, right: Uint8Array): Buffer => sha256(Buffer.from([1]), left, right);

const isHash = (h: Uint8Array) => h.length === MERKLE_HASH_BYTES;

/** RFC 9162 §2.1.3.2: does `proof` show `leafHash` at `index` in the tree of `treeSize` with `root`? */
export function verifyInclusionProof(leafHash: Uint8Array, index: number, treeSize: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize) return false;
  if (!isHash(leafHash) || !isHash(root) || !proof.every(isHash)) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r: Buffer = Buffer.from(leafHash);
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = interior(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = interior(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/**
 * RFC 9162 §2.1.4.2: does `proof` show that the tree of `firstSize` leaves with `firstRoot` is a
 * prefix of the tree of `secondSize` leaves with `secondRoot`?
 */
export function verifyConsistencyProof(
  firstSize: number,
  secondSize: number,
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!Number.isSafeInteger(firstSize) || !Number.isSafeInteger(secondSize) || firstSize < 1 || firstSize > secondSize) return false;
  if (!isHash(firstRoot) || !isHash(secondRoot) || !proof.every(isHash)) return false;
  if (firstSize === secondSize) return proof.length === 0 && Buffer.from(firstRoot).equals(secondRoot);
  if (proof.length === 0) return false;
  const path = (firstSize & (firstSize - 1)) === 0 ? [firstRoot, ...proof] : [...proof];
  let fn = firstSize - 1;
  let sn = secondSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  const [start, ...rest] = path;
  if (start === undefined) return false;
  let fr: Buffer = Buffer.from(start);
  let sr: Buffer = Buffer.from(start);
  for (const c of rest) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = interior(c, fr);
      sr = interior(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = interior(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(firstRoot) && sr.equals(secondRoot);
}

/**
 * The root of a tree built leaf by leaf, in O(log n) memory: the perfect subtrees along the
 * right edge, merged as equal sizes meet (RFC 9162 §2.1.1's split rule yields exactly these).
 */
export class TreeRootAccumulator {
  readonly #edge: { hash: Buffer; size: number }[] = [];
  #size = 0;

  /** Number of leaves added. */
  get size(): number {
    return this.#size;
  }

  /** Adds the next leaf, by its leaf hash. */
  push(leafHash: Uint8Array): void {
    let node: { hash: Buffer; size: number } = { hash: Buffer.from(leafHash), size: 1 };
    // The right edge holds perfect subtrees of strictly decreasing size: merge equal neighbours.
    for (let left = this.#edge.at(-1); left?.size === node.size; left = this.#edge.at(-1)) {
      this.#edge.pop();
      node = { hash: interior(left.hash, node.hash), size: left.size * 2 };
    }
    this.#edge.push(node);
    this.#size++;
  }

  /** MTH of the leaves added so far (SHA-256 of nothing for an empty tree). */
  root(): Buffer {
    // Right to left: the smallest subtree is the innermost right child.
    const [last, ...others] = [...this.#edge].reverse();
    if (last === undefined) return sha256();
    return others.reduce((hash, node) => interior(node.hash, hash), last.hash);
  }
}
