/**
 * Where an audit reads the log from. Kept as a small interface so the audit runs against the
 * service over the network (the CLI's Connect client) or against anything else in a test.
 * Implementations return what the server said, unchecked: checking it is the auditor's job.
 */

/** An entry with its inclusion proof against a given tree size. */
export interface AuditedEntry {
  readonly logIndex: number;
  /** The canonicalized body: the Merkle leaf. */
  readonly body: Uint8Array;
  /** The entry UUID as served (hex leaf hash). */
  readonly uuid: string;
  /** The audit path to the root of the requested tree size. */
  readonly inclusionHashes: readonly Uint8Array[];
}

export interface LogSource {
  /** The latest signed checkpoint (C2SP signed note). */
  latestCheckpoint(): Promise<string>;
  /** The consistency proof from the tree of `firstSize` leaves to that of `lastSize`. */
  consistencyProof(firstSize: number, lastSize: number): Promise<readonly Uint8Array[]>;
  /** The entry at `logIndex` with its inclusion proof in the tree of `treeSize` leaves. */
  entry(logIndex: number, treeSize: number): Promise<AuditedEntry>;
}
