/**
 * Options and results of the embedded transparency log (`log.ts`), kept apart so that callers
 * (the service, the HTTP layer) can depend on the shapes without the implementation.
 */
import type { KeySigner } from "../../keys/key-signer.js";
import type { EntryPage as PortEntryPage } from "../../transparency-log.js";
import type { LoggedEntry } from "./entry.js";

/** Most entries committed in one transaction by default. */
export const DEFAULT_MAX_BATCH_SIZE = 1024;
/** Default and largest page size of `findByDigest` / `findBySubject`. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** Options of {@link EmbeddedTransparencyLog.open}, checked together when the log opens. */
export interface EmbeddedLogOptions {
  /** Directory holding `tlog.sqlite`; created (mode 0700) if missing. */
  readonly dataDir: string;
  /** The log key: signs SETs and checkpoints. logId = SHA-256 of its SPKI DER. */
  readonly signer: KeySigner;
  /**
   * Checkpoint origin: the first line of every checkpoint (printable, no line breaks). Rekor v1
   * style is `<host> - <treeID>`, which sigstore-go requires to recognise a v1 log's checkpoints.
   */
  readonly origin: string;
  /**
   * Signature name in the signed note (no whitespace); default: `origin`. The trusted root's tlog
   * `baseUrl` must contain it (`baseUrl.includes(name)`), or verifiers reject the checkpoint.
   */
  readonly noteName?: string;
  /** Current time in milliseconds since the Unix epoch. Default `Date.now`. */
  readonly clock?: () => number;
  /** Most entries per transaction. Default {@link DEFAULT_MAX_BATCH_SIZE}. */
  readonly maxBatchSize?: number;
  /** Largest canonicalized body accepted, in bytes. Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** Wait this long for a lock held by another connection, in ms. Default 5000. */
  readonly busyTimeoutMs?: number;
  /** Database size quota in bytes; appends beyond it fail as "full". Default: none. */
  readonly maxDatabaseBytes?: number;
  /**
   * WAL frames (pages) not yet in the database before the checkpoint thread copies them; the WAL
   * file is capped at four times this (store.ts). Default 1000 (about 4 MB), SQLite's own default.
   */
  readonly walCheckpointPages?: number;
}

export type { CheckpointEvent, ConsistencyProof, PageOptions, PublishedCheckpoint, TreeInclusionProof } from "../../transparency-log.js";

/** One page of search results, ascending by log index. */
export type EntryPage = PortEntryPage<LoggedEntry>;
