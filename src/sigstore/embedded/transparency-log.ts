/**
 * The embedded log (`tlog/log.ts`) behind the {@link TransparencyLog} port. The log answers every
 * question (full capabilities) and synchronously; this adapter only turns its answers into
 * promises (so a throw becomes a rejection) and maps the port's query shapes onto its methods.
 * Durability is the log's own: an append resolves once its batch is committed and fsynced.
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
} from "../transparency-log.js";
import type { EmbeddedTransparencyLog } from "./tlog/log.js";

/** Runs a synchronous read so that a throw becomes a rejected promise. */
function answer<T>(read: () => T): Promise<T> {
  try {
    return Promise.resolve(read());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

export class EmbeddedLogPort implements TransparencyLog {
  readonly capabilities = FULL_LOG_CAPABILITIES;

  constructor(readonly log: EmbeddedTransparencyLog) {}

  insteadOf(): string {
    return "";
  }

  append(request: LogAppendRequest): Promise<LogEntry> {
    return this.log.append(request);
  }

  entryByIndex(logIndex: number): Promise<LogEntry> {
    return answer(() => this.log.getByIndex(logIndex));
  }

  entryByUuid(uuid: string): Promise<LogEntry> {
    return answer(() => this.log.getByUuid(uuid));
  }

  search(query: EntryQuery, page: PageOptions = {}): Promise<EntryPage> {
    return answer(() => ("artifactDigest" in query ? this.log.findByDigest(query.artifactDigest, page) : this.log.findBySubject(query.signerSubject, page)));
  }

  inclusionProof(logIndex: number, treeSize?: number): Promise<TreeInclusionProof> {
    return answer(() => this.log.inclusionProof(logIndex, treeSize));
  }

  consistencyProof(firstSize: number, lastSize?: number): Promise<ConsistencyProof> {
    return answer(() => this.log.consistencyProof(firstSize, lastSize));
  }

  latestCheckpoint(): Promise<PublishedCheckpoint> {
    return answer(() => this.log.latestCheckpoint());
  }

  checkpointAt(treeSize: number): Promise<PublishedCheckpoint | undefined> {
    return answer(() => this.log.checkpointAt(treeSize));
  }

  watch(listener: (event: CheckpointEvent) => void): () => void {
    return this.log.onCheckpoint(listener);
  }

  close(): Promise<void> {
    return this.log.close();
  }
}
