/**
 * Which Rekor wrote a log entry, and which of its trees (shards) holds it.
 *
 * The two differ in what a bundle's fields mean. Rekor v1 is sharded: `logIndex` is the entry's
 * global index across all shards (signed by the SET when there is one), while
 * `inclusionProof.logIndex` is its index in the shard's tree that the checkpoint covers; the two
 * legitimately differ (35,355,462 and 3,673,050 on rekor.sigstage.dev). Rekor v2 has one tree per
 * log, no SET, and the two are the same index. The version is read from the entry's kind and
 * version, which the log body repeats and the body check compares: `hashedrekord 0.0.2` and
 * `dsse 0.0.2` exist only on Rekor v2. A missing SET says nothing about the version: a v1 bundle
 * may carry an inclusion proof alone (Sigstore bundle v0.3 makes the promise optional).
 */
import type { TransparencyLogEntry } from "@sigstore/protobuf-specs";

/** The Rekor API generation of an entry. */
export type RekorVersion = 1 | 2;

/** Kinds and versions only Rekor v2 writes. */
const REKOR_V2_KIND_VERSIONS: ReadonlySet<string> = new Set(["hashedrekord/0.0.2", "dsse/0.0.2"]);

/** The Rekor version that wrote `entry`, from its kind and version. */
export function rekorVersionOf(entry: Pick<TransparencyLogEntry, "kindVersion">): RekorVersion {
  const { kind, version } = entry.kindVersion ?? { kind: "", version: "" };
  return REKOR_V2_KIND_VERSIONS.has(`${kind}/${version}`) ? 2 : 1;
}

/**
 * The tree the entry's inclusion proof is for: the origin line of its checkpoint (Rekor v1
 * `<host> - <tree ID>`, one per shard; Rekor v2 the log's name). Undefined without a checkpoint.
 */
export function shardOf(entry: { readonly inclusionProof?: { readonly checkpoint?: { readonly envelope: string } } }): string | undefined {
  const envelope = entry.inclusionProof?.checkpoint?.envelope;
  if (typeof envelope !== "string") return undefined;
  const end = envelope.indexOf("\n");
  const origin = end < 0 ? "" : envelope.slice(0, end);
  return origin.length > 0 && origin.length <= 256 ? origin : undefined;
}
