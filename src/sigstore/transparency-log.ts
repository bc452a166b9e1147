/**
 * The transparency log port: what the service needs from a Rekor-compatible append-only Merkle
 * log, whoever runs it — the embedded SQLite log (`embedded/tlog/port.ts`) or an upstream Rekor
 * v1/v2 (`external/transparency-log.ts`). Handlers receive this interface and never the embedded
 * log itself, so the same RPC code runs in both modes.
 *
 * Contract shared by every method:
 *
 * - Everything is asynchronous: an upstream answers over the network, and a replica may read a
 *   database. Results are plain data (Buffers and numbers), never live views.
 * - Errors are domain errors (`src/errors.ts`): `InvalidArgumentError` for a bad argument (named
 *   by its field), `NotFoundError` when the thing asked for is not in the log, `UnavailableError`
 *   when the log cannot answer now (retry), {@link EntryExistsError} for a duplicate append, and
 *   {@link LogCannotAnswerError} (code `UNIMPLEMENTED`) when this kind of log cannot answer the
 *   question at all (Rekor v2 has no search and no UUIDs, for example). `capabilities` says in
 *   advance which questions those are, so a caller can choose another route without trying.
 * - Reads see only entries covered by a published checkpoint, and every proof is against a
 *   signed checkpoint or an explicitly requested older tree size of the same append-only tree.
 *
 * This file imports nothing from its adapters; they import it.
 */
import { TrustError } from "../errors.js";

/** Inclusion of an entry in a tree, against a signed checkpoint of that tree. */
export interface InclusionProof {
  readonly logIndex: number;
  /** Root of the tree of `treeSize` leaves; equals the checkpoint's root. */
  readonly rootHash: Buffer;
  readonly treeSize: number;
  /** Audit path, leaf upwards (RFC 9162 §2.1.3). */
  readonly hashes: readonly Buffer[];
  readonly checkpoint: { readonly envelope: string };
}

/** An inclusion proof at any tree size; `checkpoint` is present when one was published for it. */
export type TreeInclusionProof = Omit<InclusionProof, "checkpoint"> & {
  readonly checkpoint?: InclusionProof["checkpoint"];
};

/** A durable log entry with what a bundle's `tlogEntries[]` element needs. */
export interface LogEntry {
  /**
   * Hex of the RFC 6962 leaf hash: Rekor v1's entry UUID. A Rekor v2 log has no UUIDs; its
   * adapter computes the same leaf hash from the body, so the value is defined for every log.
   */
  readonly uuid: string;
  readonly logIndex: number;
  /** keyId = SHA-256 of the log key's SPKI DER. */
  readonly logId: { readonly keyId: Buffer };
  /** Entry kind and its API version, e.g. `hashedrekord` / `0.0.1`. */
  readonly kindVersion: { readonly kind: string; readonly version: string };
  /** Seconds since the Unix epoch when the entry was integrated; 0 when the log gives none (Rekor v2). */
  readonly integratedTime: number;
  /** The signed entry timestamp; undefined when the log gives none (Rekor v2). */
  readonly inclusionPromise: { readonly signedEntryTimestamp: Buffer } | undefined;
  readonly inclusionProof: InclusionProof;
  /** The Merkle leaf: the entry body as the log canonicalized it. */
  readonly canonicalizedBody: Buffer;
}

/** RFC 9162 consistency proof between two tree sizes, with both roots. */
export interface ConsistencyProof {
  readonly firstSize: number;
  readonly lastSize: number;
  readonly firstRootHash: Buffer;
  readonly lastRootHash: Buffer;
  readonly hashes: readonly Buffer[];
}

/** A published checkpoint. */
export interface PublishedCheckpoint {
  readonly treeSize: number;
  readonly rootHash: Buffer;
  /** The signed note. */
  readonly envelope: string;
}

/** Told after each durable batch: the new checkpoint and the indexes it added. */
export interface CheckpointEvent {
  readonly checkpoint: PublishedCheckpoint;
  /** First new log index (= previous tree size). */
  readonly firstIndex: number;
  /** Number of entries added; the new indexes are firstIndex .. firstIndex + count - 1. */
  readonly count: number;
}

/** One page of search results, ascending by log index. */
export interface EntryPage<E extends LogEntry = LogEntry> {
  readonly entries: readonly E[];
  /** Pass as `afterIndex` for the next page; undefined when this page is the last. */
  readonly nextAfterIndex: number | undefined;
}

/** Paging of searches: at most `pageSize` entries with log index > `afterIndex`. */
export interface PageOptions {
  readonly pageSize?: number;
  readonly afterIndex?: number;
}

/** What a search looks for: entries recorded with this artifact digest, or this signer subject. */
export type EntryQuery = { readonly artifactDigest: string } | { readonly signerSubject: string };

/** One entry to append. */
export interface LogAppendRequest {
  /** Rekor v1 entry kind and version of the body (`hashedrekord`/`dsse`, `0.0.1`). */
  readonly kind: "hashedrekord" | "dsse";
  readonly apiVersion: "0.0.1";
  /** Canonical JSON (RFC 8785) of the Rekor entry body; becomes the Merkle leaf. */
  readonly canonicalBody: Buffer;
  /** Search key, e.g. "sha256:<hex>"; not part of the leaf. */
  readonly artifactDigest?: string | undefined;
  /** Search key: the signing identity (certificate SAN); not part of the leaf. */
  readonly signerSubject?: string | undefined;
}

/** The questions a log can answer; false means the method rejects with {@link LogCannotAnswerError}. */
export interface LogCapabilities {
  readonly append: boolean;
  readonly readByIndex: boolean;
  readonly readByUuid: boolean;
  /** Search by artifact digest / signer subject. */
  readonly search: boolean;
  readonly inclusionProof: boolean;
  readonly consistencyProof: boolean;
  /** Checkpoint history by tree size (`checkpointAt`). */
  readonly checkpointHistory: boolean;
  readonly watch: boolean;
}

/** The capability names, for {@link LogCannotAnswerError}. */
export type LogCapability = keyof LogCapabilities;

/**
 * This kind of log cannot answer the question at all (not a transient failure). `instead` says
 * where the caller can find the same answer (an upstream URL, another RPC), when there is one.
 */
export class LogCannotAnswerError extends TrustError {
  readonly capability: LogCapability;
  readonly instead: string;

  constructor(capability: LogCapability, message: string, instead = "") {
    super("UNIMPLEMENTED", instead ? `${message}: ${instead}` : message);
    this.name = "LogCannotAnswerError";
    this.capability = capability;
    this.instead = instead;
  }
}

/**
 * The log already holds an entry with the same canonicalized body (same leaf hash, same UUID).
 * Rekor answers 409 Conflict with the existing entry's location; a client retrying after a lost
 * response can fetch the existing entry by `uuid` or `logIndex`.
 */
export class EntryExistsError extends TrustError {
  readonly uuid: string;
  readonly logIndex: number;

  constructor(uuid: string, logIndex: number) {
    super("ALREADY_EXISTS", `transparency-log: an equivalent entry already exists at index ${logIndex}`);
    this.name = "EntryExistsError";
    this.uuid = uuid;
    this.logIndex = logIndex;
  }
}

/** The transparency log port. */
export interface TransparencyLog {
  /** What this log can answer; constant for the log's lifetime. */
  readonly capabilities: LogCapabilities;

  /**
   * For a capability this log lacks: where a caller finds the same answer instead (an upstream
   * URL, a polling hint), as {@link LogCannotAnswerError.instead} says it; "" when it has it.
   */
  insteadOf(capability: LogCapability): string;

  /**
   * Appends one entry. Resolves only once the entry is durable in the log (the adapter says what
   * durable means for it; for the embedded log: committed and fsynced with its checkpoint), with
   * its SET where the log gives one and an inclusion proof against a signed checkpoint.
   * Rejects with `InvalidArgumentError` (bad body or search key), {@link EntryExistsError} (same
   * body already logged), `UnavailableError` (store, signer or upstream down; nothing was
   * promised) or {@link LogCannotAnswerError} (`append`).
   */
  append(request: LogAppendRequest): Promise<LogEntry>;

  /** The entry at `logIndex`, proven against the latest checkpoint. `NotFoundError` beyond it. */
  entryByIndex(logIndex: number): Promise<LogEntry>;

  /** The entry with this UUID (64 hex chars, or 80 with a Rekor tree-ID prefix). `NotFoundError` if none. */
  entryByUuid(uuid: string): Promise<LogEntry>;

  /**
   * Entries recorded with this artifact digest or signer subject, ascending by index, one page
   * at a time (default page 50, at most 500; `InvalidArgumentError` beyond). Complete for every
   * entry the log holds search keys for. {@link LogCannotAnswerError} (`search`) where the log
   * keeps no search index (Rekor v2; the state store's entry index answers instead).
   */
  search(query: EntryQuery, page?: PageOptions): Promise<EntryPage>;

  /**
   * Inclusion proof of `logIndex` in the tree of `treeSize` leaves (default: the latest
   * checkpoint). `NotFoundError` if the index is not below the tree size; `InvalidArgumentError`
   * if the size exceeds the log. `checkpoint` is set when one was published for that size.
   */
  inclusionProof(logIndex: number, treeSize?: number): Promise<TreeInclusionProof>;

  /**
   * Consistency proof from the tree of `firstSize` leaves to that of `lastSize` (default: the
   * latest). `InvalidArgumentError` when firstSize < 1, firstSize > lastSize or lastSize exceeds
   * the log.
   */
  consistencyProof(firstSize: number, lastSize?: number): Promise<ConsistencyProof>;

  /** The newest published checkpoint (a new log has one for size 0). */
  latestCheckpoint(): Promise<PublishedCheckpoint>;

  /** The checkpoint published for exactly `treeSize`, if the log published (and kept) one. */
  checkpointAt(treeSize: number): Promise<PublishedCheckpoint | undefined>;

  /**
   * Calls `listener` after each durable batch (embedded) or each newer checkpoint seen (an
   * upstream, polled), in order of tree size. A throwing listener does not affect the log or the
   * other listeners. Returns the unsubscribe function; `close()` drops every listener.
   */
  watch(listener: (event: CheckpointEvent) => void): () => void;

  /** Stops accepting appends, lets queued ones settle, releases the store or connections. */
  close(): Promise<void>;
}

/** Capabilities of a log that answers everything (the embedded one). */
export const FULL_LOG_CAPABILITIES: LogCapabilities = Object.freeze({
  append: true,
  readByIndex: true,
  readByUuid: true,
  search: true,
  inclusionProof: true,
  consistencyProof: true,
  checkpointHistory: true,
  watch: true,
});
