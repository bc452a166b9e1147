/**
 * What the log hands back for an entry, and its Sigstore bundle form.
 *
 * A {@link LoggedEntry} carries exactly what a bundle v0.3 `verificationMaterial.tlogEntries[]`
 * element needs, as bytes and numbers; {@link toTransparencyLogEntry} turns it into the JSON shape
 * of `@sigstore/bundle` (int64 as decimal strings, bytes as base64).
 */
import { json } from "@sigstore/core";
import type { SerializedBundle } from "@sigstore/bundle";

/** Rekor v1 entry kinds the log accepts. */
export type EntryKind = "hashedrekord" | "dsse";
/** Rekor v1 API version of those kinds. */
export type EntryApiVersion = "0.0.1";

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

/** A durable log entry with its SET and an inclusion proof. */
export interface LoggedEntry {
  /** Rekor entry UUID: hex of the RFC 6962 leaf hash. */
  readonly uuid: string;
  readonly logIndex: number;
  /** keyId = SHA-256 of the log key's SPKI DER. */
  readonly logId: { readonly keyId: Buffer };
  readonly kindVersion: { readonly kind: EntryKind; readonly version: EntryApiVersion };
  /** Seconds since the Unix epoch when the entry was integrated. */
  readonly integratedTime: number;
  readonly inclusionPromise: { readonly signedEntryTimestamp: Buffer };
  readonly inclusionProof: InclusionProof;
  /** The Merkle leaf: the entry body canonicalized as RFC 8785 JSON. */
  readonly canonicalizedBody: Buffer;
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
