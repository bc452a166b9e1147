/**
 * A summary of the bundle's transparency-log entry for the result: where to find it in the log.
 */
import { createHash } from "node:crypto";
import type { TransparencyLogEntry } from "@sigstore/protobuf-specs";

/** Where the signature was logged. */
export interface LogEntrySummary {
  /** The entry's index in its log (decimal string: int64 in proto3 JSON). */
  readonly logIndex: string;
  /**
   * Rekor v1 entry UUID: hex SHA-256 of the RFC 6962 leaf (`0x00 ‖ body`), which is how Rekor
   * names the entry (`/api/v1/log/entries/{uuid}`). Absent for Rekor v2, which has no UUIDs.
   */
  readonly uuid?: string;
  /** When the log integrated it (RFC 3339); absent for Rekor v2 (integrated time 0). */
  readonly integratedTime?: string;
}

function isRekorV2(entry: TransparencyLogEntry): boolean {
  const { kind, version } = entry.kindVersion ?? { kind: "", version: "" };
  return (kind === "hashedrekord" || kind === "dsse") && version === "0.0.2";
}

/** Summarizes a log entry. */
export function summarizeEntry(entry: TransparencyLogEntry): LogEntrySummary {
  const logIndex = String(entry.logIndex);
  const seconds = Number(entry.integratedTime);
  const integratedTime = Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000).toISOString() : undefined;
  const summary: { logIndex: string; uuid?: string; integratedTime?: string } = { logIndex };
  if (!isRekorV2(entry)) {
    summary.uuid = createHash("sha256").update(Buffer.from([0])).update(entry.canonicalizedBody).digest("hex");
  }
  if (integratedTime) summary.integratedTime = integratedTime;
  return summary;
}
