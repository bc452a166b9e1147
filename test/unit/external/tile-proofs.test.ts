/**
 * Proofs built from C2SP tiles (sigstore/external/tiles/) check out with the independent RFC 9162
 * verifier (sigstore/audit/merkle-verify.ts) and the test's own RFC 6962 helper, for trees that
 * span partial tiles and a second tile level; a wrong node makes them fail.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { merkleLeafHash, TreeRootAccumulator, verifyConsistencyProof, verifyInclusionProof } from "../../../src/sigstore/audit/merkle-verify.js";
import { TileProofBuilder } from "../../../src/sigstore/external/tiles/tile-proofs.js";
import {
  encodeTileIndex,
  entryBundlePath,
  hashTilePath,
  MalformedTileError,
  parseEntryBundle,
  parseHashTile,
  tileWidth,
} from "../../../src/sigstore/external/tiles/tile-paths.js";

const leaves = Array.from({ length: 700 }, (_, i) => merkleLeafHash(Buffer.from(`entry ${i}`)));
const interior = (l: Buffer, r: Buffer) =>
  createHash("sha256")
    .update(Buffer.from([1]))
    .update(l)
    .update(r)
    .digest();

/** The stored node (level a multiple of 8) computed from the leaves, as a tiled log stores it. */
function storedNode(level: number, index: number): Buffer {
  let row = leaves.slice(index * 2 ** level, (index + 1) * 2 ** level);
  if (row.length !== 2 ** level) throw new RangeError("not a full subtree");
  while (row.length > 1) row = Array.from({ length: row.length / 2 }, (_, i) => interior(row[2 * i]!, row[2 * i + 1]!));
  return row[0]!;
}

function rootOf(size: number): Buffer {
  const acc = new TreeRootAccumulator();
  for (const l of leaves.slice(0, size)) acc.push(l);
  return acc.root();
}

describe("tile paths", () => {
  it("encode indexes and widths as C2SP tlog-tiles says", () => {
    expect(encodeTileIndex(0)).toBe("000");
    expect(encodeTileIndex(1234067)).toBe("x001/x234/067");
    expect(hashTilePath(0, 1, 256)).toBe("tile/0/001");
    expect(hashTilePath(1, 0, 3)).toBe("tile/1/000.p/3");
    expect(entryBundlePath(2, 17)).toBe("tile/entries/002.p/17");
    expect(tileWidth(0, 0, 700)).toBe(256);
    expect(tileWidth(0, 2, 700)).toBe(188);
    expect(tileWidth(1, 0, 700)).toBe(2);
    expect(tileWidth(0, 3, 700)).toBe(0);
  });

  it("parse entry bundles and hash tiles strictly", () => {
    const bundle = Buffer.concat([Buffer.from([0, 2]), Buffer.from("ab"), Buffer.from([0, 1]), Buffer.from("c")]);
    expect(parseEntryBundle(bundle, 2).map(String)).toEqual(["ab", "c"]);
    expect(() => parseEntryBundle(bundle.subarray(0, 4), 2)).toThrow(MalformedTileError);
    expect(() => parseEntryBundle(bundle, 3)).toThrow(MalformedTileError);
    expect(parseHashTile(Buffer.alloc(64), 2)).toHaveLength(2);
    expect(() => parseHashTile(Buffer.alloc(63), 2)).toThrow(MalformedTileError);
  });
});

describe("proofs from tiles", () => {
  const builder = () => new TileProofBuilder((level, index) => Promise.resolve(storedNode(level, index)));
  const sizes = [1, 2, 3, 7, 8, 255, 256, 257, 511, 512, 513, 700];

  it("subtree roots equal the RFC 9162 tree hash", async () => {
    for (const size of sizes) expect((await builder().subtree(0, size)).equals(rootOf(size)), `size ${size}`).toBe(true);
  });

  it("inclusion paths verify for every kind of position", async () => {
    for (const size of sizes) {
      for (const m of new Set([0, size - 1, Math.floor(size / 2), Math.min(size - 1, 256)])) {
        const path = await builder().inclusionPath(m, size);
        expect(verifyInclusionProof(leaves[m]!, m, size, path, rootOf(size)), `${m} in ${size}`).toBe(true);
        expect(verifyInclusionProof(leaves[m]!, m, size, path, rootOf(size === 1 ? 2 : size - 1))).toBe(false);
      }
    }
  });

  it("consistency proofs verify between any two sizes", async () => {
    for (const first of sizes) {
      for (const last of sizes.filter((s) => s >= first)) {
        const proof = await builder().consistencyProof(first, last);
        expect(verifyConsistencyProof(first, last, rootOf(first), rootOf(last), proof), `${first} -> ${last}`).toBe(true);
      }
    }
  });

  it("a wrong stored node breaks the proofs that use it", async () => {
    const bad = new TileProofBuilder((level, index) => Promise.resolve(level === 0 && index === 5 ? Buffer.alloc(32, 7) : storedNode(level, index)));
    const path = await bad.inclusionPath(4, 300);
    expect(verifyInclusionProof(leaves[4]!, 4, 300, path, rootOf(300))).toBe(false);
    const proof = await bad.consistencyProof(6, 300);
    expect(verifyConsistencyProof(6, 300, rootOf(6), rootOf(300), proof)).toBe(false);
  });
});
