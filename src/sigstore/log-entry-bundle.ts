/**
 * A log entry from any {@link TransparencyLog} in the `@sigstore/bundle` form of one
 * `verificationMaterial.tlogEntries[]` element (bytes as Buffers, int64 as strings).
 */
import type { TransparencyLogEntry } from "@sigstore/bundle";
import type { LogEntry } from "./transparency-log.js";

/** The `@sigstore/bundle` form of a logged entry (bytes as Buffers, int64 as strings). */
export function toBundleTlogEntry(e: LogEntry): TransparencyLogEntry {
  return {
    logIndex: String(e.logIndex),
    logId: { keyId: e.logId.keyId },
    kindVersion: { kind: e.kindVersion.kind, version: e.kindVersion.version },
    integratedTime: String(e.integratedTime),
    inclusionPromise: e.inclusionPromise ? { signedEntryTimestamp: e.inclusionPromise.signedEntryTimestamp } : undefined,
    inclusionProof: {
      logIndex: String(e.inclusionProof.logIndex),
      rootHash: e.inclusionProof.rootHash,
      treeSize: String(e.inclusionProof.treeSize),
      hashes: [...e.inclusionProof.hashes],
      checkpoint: { envelope: e.inclusionProof.checkpoint.envelope },
    },
    canonicalizedBody: e.canonicalizedBody,
  };
}
