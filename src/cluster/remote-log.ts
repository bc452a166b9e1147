/**
 * The {@link TransparencyLog} port in a worker: every question goes to the writer, which owns the
 * embedded log, over the IPC channel. Reads are answered by the writer too (not from the SQLite
 * file opened read-only): the writer's answers are what its log has published, so a worker never
 * serves a checkpoint ahead of what is durable, nor one that two workers disagree on; the cost is
 * one IPC round trip per read (see docs/architecture.md, "Workers", for the measured figures).
 *
 * `append` resolves only when the writer answers, and the writer answers only once its log's
 * append resolved, i.e. once the entry's batch is committed and fsynced with its checkpoint
 * (tlog/log.ts): a worker acknowledges a Sign only after that. `watch` follows the checkpoints
 * the writer pushes after each durable batch, in order.
 */
import {
  FULL_LOG_CAPABILITIES,
  type CheckpointEvent,
  type ConsistencyProof,
  type EntryPage,
  type EntryQuery,
  type LogAppendRequest,
  type LogEntry,
  type PageOptions,
  type PublishedCheckpoint,
  type TransparencyLog,
  type TreeInclusionProof,
} from "../sigstore/transparency-log.js";
import type { WriterChannel } from "./writer-channel.js";

export class RemoteLog implements TransparencyLog {
  readonly capabilities = FULL_LOG_CAPABILITIES;
  readonly #writer: WriterChannel;
  readonly #listeners = new Set<(event: CheckpointEvent) => void>();
  readonly #unsubscribe: () => void;

  constructor(writer: WriterChannel) {
    this.#writer = writer;
    this.#unsubscribe = writer.subscribe((m) => {
      if (m.kind !== "checkpoint") return;
      for (const l of this.#listeners) {
        try {
          l(m.event);
        } catch {
          // A throwing listener does not affect the others (the port's contract).
        }
      }
    });
  }

  insteadOf(): string {
    return "";
  }

  append(request: LogAppendRequest): Promise<LogEntry> {
    return this.#writer.call("log", "append", request);
  }

  entryByIndex(logIndex: number): Promise<LogEntry> {
    return this.#writer.call("log", "entryByIndex", logIndex);
  }

  entryByUuid(uuid: string): Promise<LogEntry> {
    return this.#writer.call("log", "entryByUuid", uuid);
  }

  search(query: EntryQuery, page?: PageOptions): Promise<EntryPage> {
    return this.#writer.call("log", "search", query, page);
  }

  inclusionProof(logIndex: number, treeSize?: number): Promise<TreeInclusionProof> {
    return this.#writer.call("log", "inclusionProof", logIndex, treeSize);
  }

  consistencyProof(firstSize: number, lastSize?: number): Promise<ConsistencyProof> {
    return this.#writer.call("log", "consistencyProof", firstSize, lastSize);
  }

  latestCheckpoint(): Promise<PublishedCheckpoint> {
    return this.#writer.call("log", "latestCheckpoint");
  }

  checkpointAt(treeSize: number): Promise<PublishedCheckpoint | undefined> {
    return this.#writer.call("log", "checkpointAt", treeSize);
  }

  watch(listener: (event: CheckpointEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Drops the listeners; the log itself is the writer's to close. */
  close(): Promise<void> {
    this.#listeners.clear();
    this.#unsubscribe();
    return Promise.resolve();
  }
}
