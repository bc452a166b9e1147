import { describe, expect, it } from "vitest";
import { GroupCommitter } from "../../../src/fs/group-commit.js";

describe("GroupCommitter", () => {
  it("batches concurrent requests, never overlaps batches, and honours maxBatchSize", async () => {
    const batches: number[][] = [];
    let inFlight = 0;
    const committer = new GroupCommitter<number, number>(async (reqs) => {
      expect(inFlight).toBe(0);
      inFlight++;
      batches.push([...reqs]);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      return reqs.map((r) => ({ ok: true as const, value: r * 10 }));
    }, 8);
    const first = await Promise.all(Array.from({ length: 20 }, (_, i) => committer.submit(i)));
    expect(first).toEqual(Array.from({ length: 20 }, (_, i) => i * 10));
    expect(batches.flat()).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(batches.every((b) => b.length <= 8)).toBe(true);
    expect(batches.length).toBe(3);
  });

  it("fails one request or the whole batch, and keeps going", async () => {
    let failAll = true;
    const committer = new GroupCommitter<number, number>((reqs) => {
      if (failAll) return Promise.reject(new Error("disk"));
      return Promise.resolve(reqs.map((r) => (r % 2 === 0 ? { ok: true as const, value: r } : { ok: false as const, error: new Error(`odd ${r}`) })));
    }, 100);
    const failed = await Promise.allSettled([committer.submit(1), committer.submit(2)]);
    expect(failed.map((f) => f.status)).toEqual(["rejected", "rejected"]);
    failAll = false;
    const mixed = await Promise.allSettled([committer.submit(3), committer.submit(4)]);
    expect(mixed.map((f) => f.status)).toEqual(["rejected", "fulfilled"]);
    await committer.idle();
  });
});
