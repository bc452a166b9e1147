/**
 * The file entry index (state/file/entry-index.ts): what Rekor v2 search answers from. Records are
 * durable across a reopen, found by digest or signer in index order one page at a time, recorded
 * once, and a torn last line (a crash mid-append) is skipped.
 */
import { appendFileSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileEntryIndex } from "../../../src/state/file/entry-index.js";
import { tempDir } from "../../helpers/server.js";

const D1 = `sha256:${"1".repeat(64)}`;
const D2 = `sha256:${"2".repeat(64)}`;

describe("FileEntryIndex", () => {
  it("finds entries by digest and signer, in pages, after a reopen; a torn line is skipped", async () => {
    const file = join(tempDir(), "entry-index.jsonl");
    const index = new FileEntryIndex(file);
    for (const [i, d] of [
      [5, D1],
      [2, D1],
      [9, D2],
      [7, D1],
    ] as const)
      await index.record({ logIndex: i, artifactDigest: d, signerSubject: i % 2 ? "a@x" : "b@x" });
    await index.record({ logIndex: 5, artifactDigest: D2 }); // the same entry again: a no-op
    await index.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8").trim().split("\n")).toHaveLength(4);
    appendFileSync(file, '{"logIndex":11,"artifactDig');

    const again = new FileEntryIndex(file);
    expect(again.size).toBe(4);
    expect(await again.find({ artifactDigest: D1 }, { pageSize: 2 })).toEqual({ logIndexes: [2, 5], nextAfterIndex: 5 });
    expect(await again.find({ artifactDigest: D1 }, { pageSize: 2, afterIndex: 5 })).toEqual({ logIndexes: [7], nextAfterIndex: undefined });
    expect(await again.find({ signerSubject: "a@x" }, { pageSize: 10 })).toEqual({ logIndexes: [5, 7, 9], nextAfterIndex: undefined });
    expect(await again.find({ artifactDigest: `sha256:${"3".repeat(64)}` }, { pageSize: 10 })).toEqual({ logIndexes: [], nextAfterIndex: undefined });
    // An append after the torn line is a line of its own, and survives the next reopen.
    await again.record({ logIndex: 12, artifactDigest: D2 });
    await again.close();
    const third = new FileEntryIndex(file);
    expect(await third.find({ artifactDigest: D2 }, { pageSize: 10 })).toEqual({ logIndexes: [9, 12], nextAfterIndex: undefined });
    await third.close();
  });
});
