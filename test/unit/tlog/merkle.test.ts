import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Frontier } from "../../../src/sigstore/embedded/tlog/frontier.js";
import { consistencyProof, EMPTY_ROOT, inclusionProof, leafHash, nodeHash, rootHash, type SubtreeHashes } from "../../../src/sigstore/rekor/merkle.js";
import { hashChildren, hashLeaf, referenceRoot, referenceRootOfHashes, verifyConsistency, verifyInclusion } from "../../helpers/rfc6962.js";

/** Perfect-subtree hashes of a tree, computed with the reference hashing (not merkle.ts). */
function referenceSubtrees(leafHashes: readonly Buffer[]): SubtreeHashes {
  const levels: Buffer[][] = [[...leafHashes]];
  while (levels.at(-1)!.length > 1) {
    const below = levels.at(-1)!;
    const next: Buffer[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) next.push(hashChildren(below[i]!, below[i + 1]!));
    levels.push(next);
  }
  return (level, index) => {
    const h = levels[level]?.[index];
    if (h === undefined) throw new Error(`asked for a subtree outside the tree: (${level}, ${index})`);
    return h;
  };
}

const leaves = (n: number, salt = ""): Buffer[] => Array.from({ length: n }, (_, i) => Buffer.from(`leaf-${salt}${i}`));

describe("RFC 6962 hashing", () => {
  it("matches the RFC's leaf and node prefixes", () => {
    expect(leafHash(Buffer.from("x")).equals(hashLeaf(Buffer.from("x")))).toBe(true);
    const a = Buffer.alloc(32, 1);
    const b = Buffer.alloc(32, 2);
    expect(nodeHash(a, b).equals(hashChildren(a, b))).toBe(true);
    expect(rootHash(0, () => Buffer.alloc(0)).equals(EMPTY_ROOT)).toBe(true);
    expect(EMPTY_ROOT.toString("hex")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("matches the RFC 6962 test vector root for the 8 standard leaves", () => {
    // Leaves of the certificate-transparency-go / Trillian reference test suite.
    const data = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"].map((h) => Buffer.from(h, "hex"));
    const subtree = referenceSubtrees(data.map(leafHash));
    expect(rootHash(8, subtree).toString("hex")).toBe("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
    expect(rootHash(1, subtree).toString("hex")).toBe("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  });
});

describe("inclusion proofs", () => {
  it("verify for every index of every tree size 1..70, and a flipped hash fails", () => {
    const data = leaves(70);
    const hashes = data.map(hashLeaf);
    const subtree = referenceSubtrees(hashes);
    for (let size = 1; size <= 70; size++) {
      const root = referenceRoot(data.slice(0, size));
      expect(rootHash(size, subtree).equals(root)).toBe(true);
      for (let index = 0; index < size; index++) {
        const proof = inclusionProof(index, size, subtree);
        expect(verifyInclusion(hashes[index]!, index, size, proof, root)).toBe(true);
        if (proof.length > 0) {
          const tampered = proof.map((h) => Buffer.from(h));
          const which = (index * 7 + size) % tampered.length;
          tampered[which]![0]! ^= 1;
          expect(verifyInclusion(hashes[index]!, index, size, tampered, root)).toBe(false);
        }
        expect(verifyInclusion(hashes[(index + 1) % 70]!, index, size, proof, root)).toBe(false);
      }
    }
  });

  it("verify at random larger sizes", () => {
    const data = leaves(3000, "r");
    const hashes = data.map(hashLeaf);
    const subtree = referenceSubtrees(hashes);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.nat(), (size, seed) => {
        const index = seed % size;
        const root = referenceRootOfHashes(hashes.slice(0, size));
        return verifyInclusion(hashes[index]!, index, size, inclusionProof(index, size, subtree), root);
      }),
      { numRuns: 200 },
    );
  });

  it("refuse an index outside the tree", () => {
    expect(() => inclusionProof(3, 3, () => Buffer.alloc(32))).toThrow(RangeError);
  });
});

describe("consistency proofs", () => {
  it("verify for all pairs 1 <= first <= last <= 40, and a flipped hash fails", () => {
    const data = leaves(40, "c");
    const subtree = referenceSubtrees(data.map(hashLeaf));
    const roots = [EMPTY_ROOT, ...Array.from({ length: 40 }, (_, i) => referenceRoot(data.slice(0, i + 1)))];
    for (let last = 1; last <= 40; last++) {
      for (let first = 1; first <= last; first++) {
        const proof = consistencyProof(first, last, subtree);
        expect(verifyConsistency(first, last, roots[first]!, roots[last]!, proof)).toBe(true);
        if (proof.length > 0) {
          const tampered = proof.map((h) => Buffer.from(h));
          tampered[(first + last) % tampered.length]![31]! ^= 0x80;
          expect(verifyConsistency(first, last, roots[first]!, roots[last]!, tampered)).toBe(false);
        }
        if (first < last) {
          // The proof must not also "prove" a different old root.
          expect(verifyConsistency(first, last, roots[last]!, roots[last]!, proof)).toBe(false);
        }
      }
    }
  });

  it("verify at random larger sizes", () => {
    const data = leaves(3000, "cr");
    const hashes = data.map(hashLeaf);
    const subtree = referenceSubtrees(hashes);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 3000 }), (a, b) => {
        const [first, last] = a <= b ? [a, b] : [b, a];
        const proof = consistencyProof(first, last, subtree);
        return verifyConsistency(first, last, referenceRootOfHashes(hashes.slice(0, first)), referenceRootOfHashes(hashes.slice(0, last)), proof);
      }),
      { numRuns: 200 },
    );
  });

  it("refuse first > last and first = 0", () => {
    expect(() => consistencyProof(5, 4, () => Buffer.alloc(32))).toThrow(RangeError);
    expect(() => consistencyProof(0, 4, () => Buffer.alloc(32))).toThrow(RangeError);
  });
});

describe("frontier", () => {
  it("grows in batches to the reference root and completes exactly the reference subtrees", () => {
    const data = leaves(200, "f");
    const hashes = data.map(hashLeaf);
    const reference = referenceSubtrees(hashes);
    let frontier = Frontier.empty();
    const seen = new Map<string, Buffer>();
    let cut = 0;
    for (const batch of [1, 2, 3, 5, 8, 13, 21, 34, 55, 58]) {
      const growth = frontier.append(data.slice(cut, cut + batch));
      cut += batch;
      frontier = growth.frontier;
      for (const n of growth.completed) {
        expect(n.hash.equals(reference(n.level, n.index))).toBe(true);
        seen.set(`${n.level}/${n.index}`, n.hash);
      }
      expect(frontier.size).toBe(cut);
      expect(frontier.root().equals(referenceRootOfHashes(hashes.slice(0, cut)))).toBe(true);
      // Loading from stored subtrees gives the same frontier.
      const loaded = Frontier.load(cut, (l, i) => seen.get(`${l}/${i}`)!);
      expect(loaded.root().equals(frontier.root())).toBe(true);
    }
    expect(cut).toBe(200);
    // Every perfect subtree of the 200-leaf tree was reported exactly once.
    let expected = 0;
    for (let l = 0; 2 ** l <= 200; l++) expected += Math.floor(200 / 2 ** l);
    expect(seen.size).toBe(expected);
  });
});
