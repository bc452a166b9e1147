/**
 * What the log hands back for an entry, and its Sigstore bundle form.
 *
 * A {@link LoggedEntry} carries exactly what a bundle v0.3 `verificationMaterial.tlogEntries[]`
 * element needs, as bytes and numbers; {@link toTransparencyLogEntry} turns it into the JSON shape
 * of `@sigstore/bundle` (int64 as decimal strings, bytes as base64).
 */
import { json } from "@sigstore/core";
import type { SerializedBundle } from "@sigstore/bundle";
import type { InclusionProof, LogEntry } from "../../transparency-log.js";

/** Rekor v1 entry kinds the log accepts. */
export type EntryKind = "hashedrekord" | "dsse";
/** Rekor v1 API version of those kinds. */
export type EntryApiVersion = "0.0.1";

export type { InclusionProof };

/** A durable entry of the embedded log: the port's {@link LogEntry}, with a SET always present. */
export interface LoggedEntry extends LogEntry {
  readonly kindVersion: { readonly kind: EntryKind; readonly version: EntryApiVersion };
  readonly inclusionPromise: { readonly signedEntryTimestamp: Buffer };
}

/** The `@sigstore/bundle` JSON form of one `tlogEntries[]` element. */
export type SerializedTransparencyLogEntry = SerializedBundle["verificationMaterial"]["tlogEntries"][number];

/**
 * The bytes the SET signs (Rekor v1): canonical JSON of
 * `{"body":"<b64 body>","integratedTime":<int>,"logID":"<lowercase hex>","logIndex":<int>}`.
 */
export function signedEntryTimestampPayload(entry: {
  readonly canonicalizedBody: Uint8Array;
  readonly integratedTime: number;
  readonly logId: Uint8Array;
  readonly logIndex: number;
}): Buffer {
  const payload = {
    body: Buffer.from(entry.canonicalizedBody).toString("base64"),
    integratedTime: entry.integratedTime,
    logID: Buffer.from(entry.logId).toString("hex"),
    logIndex: entry.logIndex,
  };
  return Buffer.from(json.canonicalize(payload), "utf8");
}

/** Converts a logged entry into the bundle JSON shape (`verificationMaterial.tlogEntries[]`). */
export function toTransparencyLogEntry(entry: LoggedEntry): SerializedTransparencyLogEntry {
  const proof = entry.inclusionProof;
  return {
    logIndex: String(entry.logIndex),
    logId: { keyId: entry.logId.keyId.toString("base64") },
    kindVersion: { kind: entry.kindVersion.kind, version: entry.kindVersion.version },
    integratedTime: String(entry.integratedTime),
    inclusionPromise: { signedEntryTimestamp: entry.inclusionPromise.signedEntryTimestamp.toString("base64") },
    inclusionProof: {
      logIndex: String(proof.logIndex),
      rootHash: proof.rootHash.toString("base64"),
      treeSize: String(proof.treeSize),
      hashes: proof.hashes.map((h) => h.toString("base64")),
      checkpoint: { envelope: proof.checkpoint.envelope },
    },
    canonicalizedBody: entry.canonicalizedBody.toString("base64"),
  };
}
