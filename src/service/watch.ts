/**
 * `WatchCheckpoints`: the current signed checkpoint, then each new one as batches are integrated.
 * A watcher costs one listener and a small queue; a slow one has its backlog coalesced (it
 * receives the newest checkpoint, with the indexes it missed merged in) rather than holding
 * memory without bound. Streams end when the caller goes away or the server shuts down.
 */
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import type { HandlerContext } from "@connectrpc/connect";
import { WatchCheckpointsResponseSchema, type WatchCheckpointsRequest, type WatchCheckpointsResponse } from "@certus/trust-sdk";
import type { CheckpointEvent, PublishedCheckpoint, TransparencyLog } from "../sigstore/transparency-log.js";

/** Most undelivered checkpoints kept per watcher before coalescing. */
export const MAX_WATCH_BACKLOG = 256;

interface Pending {
  checkpoint: PublishedCheckpoint;
  indexes: number[];
}

export function createWatchHandler(log: TransparencyLog, shutdown: AbortSignal) {
  return async function* watchCheckpoints(req: WatchCheckpointsRequest, ctx: HandlerContext): AsyncGenerator<WatchCheckpointsResponse> {
    const toMessage = (p: Pending): WatchCheckpointsResponse =>
      create(WatchCheckpointsResponseSchema, {
        checkpoint: p.checkpoint.envelope,
        treeSize: BigInt(p.checkpoint.treeSize),
        rootHash: p.checkpoint.rootHash,
        newIndexes: req.includeIndexes ? p.indexes.map(BigInt) : [],
        publishedTime: timestampNow(),
      });
    const queue: Pending[] = [];
    let wake: (() => void) | undefined;
    const off = log.watch((event: CheckpointEvent) => {
      const indexes = req.includeIndexes ? Array.from({ length: event.count }, (_, i) => event.firstIndex + i) : [];
      // A full backlog folds the new checkpoint into its newest entry (MAX_WATCH_BACKLOG >= 1).
      const last = queue.at(-1);
      if (queue.length >= MAX_WATCH_BACKLOG && last) {
        last.checkpoint = event.checkpoint;
        last.indexes.push(...indexes);
      } else {
        queue.push({ checkpoint: event.checkpoint, indexes });
      }
      wake?.();
    });
    const stopped = new Promise<void>((resolve) => {
      if (ctx.signal.aborted || shutdown.aborted) resolve();
      ctx.signal.addEventListener("abort", () => resolve(), { once: true });
      shutdown.addEventListener("abort", () => resolve(), { once: true });
    });
    try {
      const current = await log.latestCheckpoint();
      let lastSize = current.treeSize;
      yield toMessage({ checkpoint: current, indexes: [] });
      while (!ctx.signal.aborted && !shutdown.aborted) {
        const next = queue.shift();
        if (next === undefined) {
          await Promise.race([new Promise<void>((r) => (wake = r)), stopped]);
          wake = undefined;
          continue;
        }
        if (next.checkpoint.treeSize <= lastSize) continue;
        lastSize = next.checkpoint.treeSize;
        yield toMessage(next);
      }
    } finally {
      off();
    }
  };
}
