/**
 * A summary of the bundle's transparency-log entry for the result: where to find it in the log.
 */
import { createHash } from "node:crypto";
import type { TransparencyLogEntry } from "@sigstore/protobuf-specs";
import { rekorVersionOf, shardOf, type RekorVersion } from "./rekor-version.js";

/** Where the signature was logged. */
export interface LogEntrySummary {
  /**
   * The entry's index in its log (decimal string: int64 in proto3 JSON). On Rekor v1 the index
   * across all shards: signed by the SET when there is one, otherwise only what the bundle says
   * (`shardLogIndex` is what the inclusion proof proves).
   */
  readonly logIndex: string;
  /**
   * Rekor v1 entry UUID: hex SHA-256 of the RFC 6962 leaf (`0x00 ‖ body`), which is how Rekor
   * names the entry (`/api/v1/log/entries/{uuid}`). Absent for Rekor v2, which has no UUIDs.
   */
  readonly uuid?: string;
  /** When the log integrated it (RFC 3339); absent for Rekor v2 (integrated time 0). */
  readonly integratedTime?: string;
  /** The Rekor API generation that wrote the entry (from its kind and version). */
  readonly rekorVersion: RekorVersion;
  /**
   * The tree (shard) the inclusion proof is for: its checkpoint's origin. Absent when the entry
   * has no inclusion proof (a v0.1 bundle with only a SET).
   */
  readonly shard?: string;
  /** The entry's index in that tree (`inclusionProof.logIndex`); on a sharded Rekor v1 log it differs from `logIndex`. */
  readonly shardLogIndex?: string;
}

/** Summarizes a log entry. */
export function summarizeEntry(entry: TransparencyLogEntry): LogEntrySummary {
  const logIndex = entry.logIndex;
  const seconds = Number(entry.integratedTime);
  const integratedTime = Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000).toISOString() : undefined;
  const rekorVersion = rekorVersionOf(entry);
  const summary: { -readonly [K in keyof LogEntrySummary]: LogEntrySummary[K] } = { logIndex, rekorVersion };
  const shard = shardOf(entry);
  if (shard !== undefined) summary.shard = shard;
  if (entry.inclusionProof) summary.shardLogIndex = entry.inclusionProof.logIndex;
  if (rekorVersion === 1) {
    summary.uuid = createHash("sha256")
      .update(Buffer.from([0]))
      .update(entry.canonicalizedBody)
      .digest("hex");
  }
  if (integratedTime) summary.integratedTime = integratedTime;
  return summary;
}
