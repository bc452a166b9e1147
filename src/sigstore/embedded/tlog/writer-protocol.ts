/**
 * Messages between the log's write thread (`writer-thread.ts`) and its client (`writer.ts`).
 *
 * Types only: the thread is loaded by Node as its own module (from `dist/` as JavaScript, from the
 * sources as TypeScript with types stripped), so it may import nothing but types from this room.
 */

/** What the thread needs to open its connection. */
export interface WriterSetup {
  readonly dbPath: string;
  readonly busyTimeoutMs: number;
  readonly cacheKib: number;
  readonly maxDatabaseBytes?: number | undefined;
  /**
   * Ask the checkpoint thread to copy the WAL into the database once the WAL holds this many
   * frames (pages) not yet checkpointed; the WAL restarts when it has caught up.
   */
  readonly checkpointPages: number;
  /**
   * The WAL's cap, in pages: a WAL file this large is checkpointed and truncated by the write
   * thread itself between two commits, whatever that costs the batch behind it, so the WAL stays
   * bounded even if the checkpoint thread never catches up.
   */
  readonly maxWalPages: number;
}

/** What the checkpoint thread (`checkpoint-thread.ts`) needs: its own connection to the database. */
export interface CheckpointSetup {
  readonly dbPath: string;
  readonly busyTimeoutMs: number;
}

/** The checkpoint thread's answer to "checkpoint": the WAL's frames and those now in the database. */
export type CheckpointReply =
  { readonly ok: true; readonly walFrames: number; readonly checkpointed: number } | { readonly ok: false; readonly message: string };

/** One stored row of `entries`, as posted (BLOBs as bytes). */
export interface EntryRow {
  readonly logIndex: number;
  readonly leafHash: Uint8Array;
  readonly kind: string;
  readonly apiVersion: string;
  readonly body: Uint8Array;
  readonly integratedTime: number;
  readonly signedEntryTimestamp: Uint8Array;
  readonly artifactDigest: string | null;
  readonly signerSubject: string | null;
}

/** One batch: written in one transaction, made durable by one fdatasync of the WAL. */
export interface CommitMessage {
  readonly id: number;
  readonly entries: readonly EntryRow[];
  /** Perfect subtrees of height >= 1: [level, index, hash]. */
  readonly subtrees: readonly (readonly [number, number, Uint8Array])[];
  readonly checkpoint: { readonly treeSize: number; readonly rootHash: Uint8Array; readonly note: string };
}

/** Why a commit failed: SQLite's result code, or the sync after it, or anything else. */
export type CommitFailure =
  | { readonly kind: "sqlite"; readonly errcode: number; readonly message: string }
  | { readonly kind: "sync"; readonly message: string }
  | { readonly kind: "other"; readonly message: string };

/** The thread's answer to one {@link CommitMessage}: durable (COMMIT and fdatasync returned) or not. */
export type CommitReply = { readonly id: number; readonly ok: true } | { readonly id: number; readonly ok: false; readonly failure: CommitFailure };

/** Sent by the thread once, after its connection opened (or failed to). */
export type ReadyReply = { readonly ready: true } | { readonly ready: false; readonly failure: CommitFailure };
