/**
 * RFC 6962 / RFC 9162 Merkle tree hashing and proofs, as pure functions.
 *
 * The functions never see leaves or a database: they ask a {@link SubtreeHashes} accessor for the
 * hash of a perfect (complete, power-of-two) subtree. Every proof the RFC defines is built from
 * perfect subtrees on the left and a short chain of them along the right edge, so a proof costs
 * O(log n) accessor calls whatever stores the hashes (memory for a batch in flight, SQLite for
 * older trees).
 *
 * Coordinates: the perfect subtree at `(level, index)` covers leaves
 * `[index * 2^level, (index + 1) * 2^level)`; level 0 is the leaf hashes themselves.
 */
import { createHash } from "node:crypto";

/** Size of every hash in the tree (SHA-256), in bytes. */
export const HASH_SIZE = 32;

/**
 * Returns the hash of the perfect subtree at (level, index). The merkle functions only ask for
 * subtrees that lie entirely inside the tree size they were given.
 */
export type SubtreeHashes = (level: number, index: number) => Buffer;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** RFC 6962 §2.1 leaf hash: SHA-256(0x00 || leaf). The leaf is the entry's canonicalized body. */
export function leafHash(leaf: Uint8Array): Buffer {
  return createHash("sha256").update(LEAF_PREFIX).update(leaf).digest();
}

/** RFC 6962 §2.1 interior node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash("sha256").update(NODE_PREFIX).update(left).update(right).digest();
}

/** The root of the empty tree: SHA-256 of the empty string (RFC 6962 §2.1). */
export const EMPTY_ROOT: Buffer = createHash("sha256").digest();

/** Largest power of two strictly smaller than n (n >= 2): the RFC's split point `k`. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** True when n is a power of two; the level is then log2(n). */
function log2IfPowerOfTwo(n: number): number | undefined {
  let level = 0;
  let k = 1;
  while (k < n) {
    k *= 2;
    level++;
  }
  return k === n ? level : undefined;
}

/**
 * MTH(D[start:end]) for a range reached by the RFC's recursion from [0, size): `start` is always a
 * multiple of the largest power of two below `end - start`, so the left part of every split is a
 * stored perfect subtree.
 */
function rangeHash(start: number, end: number, subtree: SubtreeHashes): Buffer {
  const n = end - start;
  const level = log2IfPowerOfTwo(n);
  if (level !== undefined) return subtree(level, start / n);
  const k = splitPoint(n);
  return nodeHash(rangeHash(start, start + k, subtree), rangeHash(start + k, end, subtree));
}

function assertSize(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer, got ${value}`);
  }
}

/** Root hash of the tree of the first `size` leaves (RFC 9162 §2.1.1). */
export function rootHash(size: number, subtree: SubtreeHashes): Buffer {
  assertSize("size", size);
  return size === 0 ? EMPTY_ROOT : rangeHash(0, size, subtree);
}

/**
 * Inclusion proof (audit path) of leaf `index` in the tree of `size` leaves, ordered from the leaf
 * upwards (RFC 9162 §2.1.3.1), which is the order Rekor and `@sigstore/verify` expect.
 */
export function inclusionProof(index: number, size: number, subtree: SubtreeHashes): Buffer[] {
  assertSize("index", index);
  assertSize("size", size);
  if (index >= size) throw new RangeError(`index ${index} is not below tree size ${size}`);
  const path: Buffer[] = [];
  // Walk down from the root, collecting the sibling of each subtree holding the leaf; the RFC's
  // recursion appends siblings on the way back up, so reverse at the end.
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      path.push(rangeHash(start + k, end, subtree));
      end = start + k;
    } else {
      path.push(rangeHash(start, start + k, subtree));
      start += k;
    }
  }
  return path.reverse();
}

/**
 * Consistency proof between the trees of `first` and `last` leaves (RFC 9162 §2.1.4.1,
 * SUBPROOF(m, D[n], true)), ordered as the RFC's recursion emits it. Empty when first == last.
 */
export function consistencyProof(first: number, last: number, subtree: SubtreeHashes): Buffer[] {
  assertSize("first", first);
  assertSize("last", last);
  if (first < 1 || first > last) throw new RangeError(`need 1 <= first <= last, got ${first}, ${last}`);
  const proof: Buffer[] = [];
  let start = 0;
  let end = last;
  let m = first;
  let completeSubtree = true;
  // Iterative SUBPROOF: each step either descends left (the old tree lies inside it) or right.
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      proof.push(rangeHash(start + k, end, subtree));
      end = start + k;
    } else {
      proof.push(rangeHash(start, start + k, subtree));
      start += k;
      m -= k;
      completeSubtree = false;
    }
  }
  if (!completeSubtree) proof.push(rangeHash(start, end, subtree));
  return proof.reverse();
}
