/**
 * The upstream Rekor behind the {@link TransparencyLog} port — for now a log that answers nothing
 * through the port: signing appends through the Rekor witness (`rekor.ts`), and reading entries,
 * proofs and checkpoints from an upstream Rekor is not built yet. Every method rejects with
 * {@link LogCannotAnswerError} naming the upstream API that answers the same question, so an RPC
 * built on the port refuses with `unimplemented` and a useful hint instead of a generic error.
 */
import {
  LogCannotAnswerError,
  type CheckpointEvent,
  type ConsistencyProof,
  type EntryPage,
  type LogAppendRequest,
  type LogCapabilities,
  type LogCapability,
  type LogEntry,
  type PublishedCheckpoint,
  type TransparencyLog,
  type TreeInclusionProof,
} from "../transparency-log.js";
import type { RekorVersion } from "./rekor.js";

const NOTHING: LogCapabilities = Object.freeze({
  append: false,
  readByIndex: false,
  readByUuid: false,
  search: false,
  inclusionProof: false,
  consistencyProof: false,
  checkpointHistory: false,
  watch: false,
});

export class ExternalLogPort implements TransparencyLog {
  readonly capabilities = NOTHING;
  readonly #proofs: string;
  readonly #poll: string;

  constructor(
    rekorUrl: string,
    readonly version: RekorVersion,
  ) {
    const base = rekorUrl.replace(/\/+$/, "");
    this.#proofs =
      version === 1
        ? `ask the Rekor v1 log directly: ${base}/api/v1/log/entries?logIndex=N or ${base}/api/v1/log/entries/{uuid} (entries with inclusion proofs), ${base}/api/v1/log/proof?firstSize=A&lastSize=B (consistency) and ${base}/api/v1/log (latest checkpoint); every bundle Sign returns already carries its inclusion proof`
        : "read the Rekor v2 log's checkpoint and tiles (C2SP tlog-tiles) from its read URL; every bundle Sign returns already carries its inclusion proof";
    this.#poll = version === 1 ? `poll ${base}/api/v1/log for the latest checkpoint` : "poll the Rekor v2 log's checkpoint";
  }

  insteadOf(capability: LogCapability): string {
    return capability === "watch" ? this.#poll : this.#proofs;
  }

  /** The refusal for `capability`, with where to look instead. */
  refusal(capability: LogCapability): LogCannotAnswerError {
    return new LogCannotAnswerError(
      capability,
      `the upstream Rekor v${this.version} log cannot answer ${capability} through this service yet`,
      this.insteadOf(capability),
    );
  }

  append(_request: LogAppendRequest): Promise<LogEntry> {
    return Promise.reject(this.refusal("append"));
  }
  entryByIndex(_logIndex: number): Promise<LogEntry> {
    return Promise.reject(this.refusal("readByIndex"));
  }
  entryByUuid(_uuid: string): Promise<LogEntry> {
    return Promise.reject(this.refusal("readByUuid"));
  }
  search(): Promise<EntryPage> {
    return Promise.reject(this.refusal("search"));
  }
  inclusionProof(_logIndex: number, _treeSize?: number): Promise<TreeInclusionProof> {
    return Promise.reject(this.refusal("inclusionProof"));
  }
  consistencyProof(_firstSize: number, _lastSize?: number): Promise<ConsistencyProof> {
    return Promise.reject(this.refusal("consistencyProof"));
  }
  latestCheckpoint(): Promise<PublishedCheckpoint> {
    return Promise.reject(this.refusal("readByIndex"));
  }
  checkpointAt(_treeSize: number): Promise<PublishedCheckpoint | undefined> {
    return Promise.reject(this.refusal("checkpointHistory"));
  }
  /** Throws: there is nothing to subscribe to. */
  watch(_listener: (event: CheckpointEvent) => void): () => void {
    throw this.refusal("watch");
  }
  async close(): Promise<void> {}
}
