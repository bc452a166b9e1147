/**
 * The log's WAL under continuous appends (writer-thread.ts, checkpoint-thread.ts): the checkpoint
 * thread copies it into the database while batches go on being committed, SQLite restarts it once
 * it is all copied, and it stays under its cap; whatever was acknowledged is in the log after
 * reopening. Real SQLite files, real threads; a small checkpoint threshold so that a few thousand
 * appends go through many checkpoints and restarts.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { endianness } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedTransparencyLog } from "../../../src/sigstore/embedded/tlog/log.js";
import { LOG_DB_FILE, WAL_CAP_FACTOR } from "../../../src/sigstore/embedded/tlog/store.js";
import { makeSigner, request, tempDir } from "./fixtures.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const PAGE_BYTES = 4096;
const FRAME_BYTES = PAGE_BYTES + 24;
const CHECKPOINT_PAGES = 100;

/** Frames in the WAL (mxFrame) from the WAL-index header in -shm (https://sqlite.org/walformat.html). */
function walFrames(dbPath: string): number {
  const shm = readFileSync(`${dbPath}-shm`).subarray(0, 136);
  return endianness() === "LE" ? shm.readUInt32LE(16) : shm.readUInt32BE(16);
}

describe("WAL", () => {
  it("stays under its cap and is checkpointed and restarted while appends go on; every acknowledged entry survives reopening", async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const signer = makeSigner();
    const dbPath = join(t.dir, LOG_DB_FILE);
    const log = await EmbeddedTransparencyLog.open({ dataDir: t.dir, signer, origin: "tlog.certus.example", walCheckpointPages: CHECKPOINT_PAGES });
    let open = true;
    cleanups.push(() => (open ? log.close() : undefined));

    let maxWalBytes = 0;
    let maxFrames = 0;
    let restarts = 0;
    let lastFrames = 0;
    const sample = () => {
      if (!existsSync(`${dbPath}-wal`)) return;
      maxWalBytes = Math.max(maxWalBytes, statSync(`${dbPath}-wal`).size);
      const frames = walFrames(dbPath);
      if (frames < lastFrames) restarts++;
      lastFrames = frames;
      maxFrames = Math.max(maxFrames, frames);
    };
    const acked: { index: number; uuid: string }[] = [];
    let next = 0;
    const total = 4000;
    const worker = async () => {
      while (next < total) {
        const e = await log.append(request(next++));
        acked.push({ index: e.logIndex, uuid: e.uuid });
        sample();
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    sample();
    await log.close();
    open = false;

    // The cap holds. It is checked after each commit, and the capping checkpoint gives up after a
    // few ms when a reader or the checkpoint thread is in its way (and tries again after the next
    // commit), so the WAL may run past it by as much again, no more. Without checkpoints these
    // appends leave about 20 MB in the WAL (measured: 125 batches, some 40 pages each).
    const capPages = WAL_CAP_FACTOR * CHECKPOINT_PAGES;
    expect(maxWalBytes).toBeLessThanOrEqual(32 + 2 * capPages * FRAME_BYTES);
    expect(maxFrames).toBeLessThanOrEqual(2 * capPages);
    // Checkpointed and restarted many times, not once at the end.
    expect(restarts).toBeGreaterThan(5);

    const reopened = await EmbeddedTransparencyLog.open({ dataDir: t.dir, signer, origin: "tlog.certus.example", walCheckpointPages: CHECKPOINT_PAGES });
    try {
      expect(reopened.size).toBe(total);
      for (const a of acked) expect(reopened.getByUuid(a.uuid).logIndex).toBe(a.index);
    } finally {
      await reopened.close();
    }
  });

  it("rejects a WAL threshold that is not a positive integer", async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    await expect(EmbeddedTransparencyLog.open({ dataDir: t.dir, signer: makeSigner(), origin: "tlog.certus.example", walCheckpointPages: 0 })).rejects.toThrow(
      /walCheckpointPages must be a positive integer/,
    );
  });
});
