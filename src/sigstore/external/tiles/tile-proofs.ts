/**
 * RFC 9162 proofs built from stored Merkle nodes, as a tiled log (C2SP tlog-tiles) exposes them.
 * The log stores only the nodes of every eighth level; everything else — nodes in between, the
 * subtree hashes on a tree's ragged right edge, audit paths and consistency proofs — is computed
 * here from those, by the definitions of RFC 9162 §2.1.1 (MTH), §2.1.3.1 (PATH) and §2.1.4.1
 * (PROOF / SUBPROOF). Verifying what this builds is `audit/merkle-verify.ts`' job, kept apart so
 * that a bug here cannot hide itself.
 */
import { createHash } from "node:crypto";
import { TILE_HEIGHT } from "./tile-paths.js";

/** Reads the stored hash of the perfect subtree of 2^level leaves starting at leaf index·2^level (level a multiple of 8). */
export type StoredNodeReader = (level: number, index: number) => Promise<Buffer>;

const interior = (left: Uint8Array, right: Uint8Array): Buffer =>
  createHash("sha256")
    .update(Buffer.from([1]))
    .update(left)
    .update(right)
    .digest();

/** The largest power of two strictly less than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Computes subtree hashes and proofs over one tree, caching the nodes it reads. */
export class TileProofBuilder {
  readonly #read: StoredNodeReader;
  readonly #cache = new Map<string, Promise<Buffer>>();

  constructor(read: StoredNodeReader) {
    this.#read = read;
  }

  /** Hash of the perfect subtree at (`level`, `index`). */
  node(level: number, index: number): Promise<Buffer> {
    const key = `${level}/${index}`;
    let hit = this.#cache.get(key);
    if (hit === undefined) {
      hit =
        level % TILE_HEIGHT === 0
          ? this.#read(level, index)
          : Promise.all([this.node(level - 1, 2 * index), this.node(level - 1, 2 * index + 1)]).then(([l, r]) => interior(l, r));
      this.#cache.set(key, hit);
      hit.catch(() => this.#cache.delete(key));
    }
    return hit;
  }

  /** MTH(D[start:end]) for any range inside the tree (RFC 9162 §2.1.1). */
  async subtree(start: number, end: number): Promise<Buffer> {
    const n = end - start;
    if (n < 1) throw new RangeError("an empty range has no subtree hash here");
    // A perfect, aligned subtree is one node.
    if ((n & (n - 1)) === 0 && start % n === 0) return this.node(Math.log2(n), start / n);
    const k = splitPoint(n);
    const [l, r] = await Promise.all([this.subtree(start, start + k), this.subtree(start + k, end)]);
    return interior(l, r);
  }

  /** The audit path of leaf `m` in the tree of `size` leaves, leaf upwards (RFC 9162 PATH). */
  async inclusionPath(m: number, size: number): Promise<Buffer[]> {
    if (!(m >= 0 && m < size)) throw new RangeError(`leaf ${m} is not in a tree of ${size}`);
    const out: Promise<Buffer>[] = [];
    let start = 0;
    let end = size;
    const pending: Promise<Buffer>[] = [];
    while (end - start > 1) {
      const k = splitPoint(end - start);
      if (m < start + k) {
        pending.push(this.subtree(start + k, end));
        end = start + k;
      } else {
        pending.push(this.subtree(start, start + k));
        start += k;
      }
    }
    // Collected root-downwards; the path lists them leaf-upwards.
    out.push(...pending.reverse());
    return Promise.all(out);
  }

  /** The consistency proof from the tree of `first` leaves to that of `last` (RFC 9162 PROOF). */
  async consistencyProof(first: number, last: number): Promise<Buffer[]> {
    if (!(first >= 1 && first <= last)) throw new RangeError(`no consistency proof from ${first} to ${last}`);
    if (first === last) return [];
    const pending: Promise<Buffer>[] = [];
    // SUBPROOF(m, D[start:end], b), unrolled; nodes are collected root-downwards, then reversed.
    let m = first;
    let start = 0;
    let end = last;
    let complete = true;
    for (;;) {
      const n = end - start;
      if (m === n) {
        if (!complete) pending.push(this.subtree(start, end));
        break;
      }
      const k = splitPoint(n);
      if (m <= k) {
        pending.push(this.subtree(start + k, end));
        end = start + k;
      } else {
        pending.push(this.subtree(start, start + k));
        m -= k;
        start += k;
        complete = false;
      }
    }
    return Promise.all(pending.reverse());
  }
}
