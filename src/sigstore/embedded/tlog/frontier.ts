/**
 * The right edge of the tree, kept in memory so that an append costs O(log n) hashes and never
 * reads the store.
 *
 * For a tree of `size` leaves, the frontier holds, per level, the hash of the last perfect subtree
 * completed at that level. The subtrees for the set bits of `size` are exactly the ones the root is
 * folded from; the others are still needed as left siblings of the next completions. A frontier is
 * immutable: {@link Frontier.append} returns the next one plus the perfect subtrees it completed,
 * so a batch that fails to commit leaves the current frontier untouched.
 */
import { EMPTY_ROOT, leafHash, nodeHash } from "../../rekor/merkle.js";

/** A perfect subtree completed by an append, to be stored at (level, index). */
export interface CompletedSubtree {
  readonly level: number;
  readonly index: number;
  readonly hash: Buffer;
}

/** Result of appending leaves: the grown frontier and every perfect subtree the leaves completed. */
export interface FrontierGrowth {
  readonly frontier: Frontier;
  /** Level-0 entries are the leaf hashes; higher levels are interior nodes, in completion order. */
  readonly completed: readonly CompletedSubtree[];
}

export class Frontier {
  /** Number of leaves in the tree this frontier describes. */
  readonly size: number;
  /** `levels[l]` = hash of the last completed perfect subtree at level l (index (size >> l) - 1). */
  private readonly levels: readonly Buffer[];

  private constructor(size: number, levels: readonly Buffer[]) {
    this.size = size;
    this.levels = levels;
  }

  /** The frontier of the empty tree. */
  static empty(): Frontier {
    return new Frontier(0, []);
  }

  /**
   * Rebuilds the frontier of a tree of `size` leaves from stored perfect subtrees: one lookup per
   * level, which is what keeps opening a large log O(log n).
   */
  static load(size: number, subtree: (level: number, index: number) => Buffer): Frontier {
    const levels: Buffer[] = [];
    for (let level = 0; Math.floor(size / 2 ** level) >= 1; level++) {
      levels.push(subtree(level, Math.floor(size / 2 ** level) - 1));
    }
    return new Frontier(size, levels);
  }

  /**
   * The hash of the perfect subtree at (level, index) if this frontier holds it, else undefined.
   * Lets proofs against the newest tree skip the store for right-edge subtrees.
   */
  get(level: number, index: number): Buffer | undefined {
    return index === Math.floor(this.size / 2 ** level) - 1 ? this.levels[level] : undefined;
  }

  /** Root hash of the tree this frontier describes (RFC 9162 §2.1.1). */
  root(): Buffer {
    let acc: Buffer | undefined;
    for (const [level, h] of this.levels.entries()) {
      if (Math.floor(this.size / 2 ** level) % 2 === 1) acc = acc === undefined ? h : nodeHash(h, acc);
    }
    return acc ?? EMPTY_ROOT;
  }

  /** Appends leaves given as their RFC 6962 leaf hashes. */
  appendLeafHashes(leafHashes: readonly Buffer[]): FrontierGrowth {
    const levels = [...this.levels];
    const completed: CompletedSubtree[] = [];
    let size = this.size;
    for (const leaf of leafHashes) {
      let hash = leaf;
      let index = size;
      let level = 0;
      completed.push({ level, index, hash });
      // A right child completes its parent, whose left sibling is the previous completion at
      // this level — which the frontier holds.
      while (index % 2 === 1) {
        const left = levels[level];
        if (left === undefined) throw new Error(`frontier of size ${size} lacks its subtree at level ${level}`);
        levels[level] = hash;
        hash = nodeHash(left, hash);
        index = (index - 1) / 2;
        level++;
        completed.push({ level, index, hash });
      }
      levels[level] = hash;
      size++;
    }
    return { frontier: new Frontier(size, levels), completed };
  }

  /** Appends leaves given as raw leaf data (canonicalized bodies). */
  append(leaves: readonly Uint8Array[]): FrontierGrowth {
    return this.appendLeafHashes(leaves.map((leaf) => leafHash(leaf)));
  }
}
