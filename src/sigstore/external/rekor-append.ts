/**
 * Appending an entry the service did not sign itself (a Certus-Assurance inner signature) to an
 * upstream Rekor, for the {@link TransparencyLog} port's `append`: the port's request is the
 * canonical `hashedrekord/0.0.1` body; Rekor v1 takes it as the proposed entry, Rekor v2 as a
 * `hashedrekord/0.0.2` request over the same digest, signature and key (or certificate). The
 * entry comes back with its inclusion proof and checkpoint, as for the service's own signatures;
 * on Rekor v2 its search keys go to the service's entry index before `append` resolves.
 */
import { InvalidArgumentError } from "../../errors.js";
import type { EntryIndex } from "../../state/state-store.js";
import type { LogAppendRequest, LogEntry } from "../transparency-log.js";
import { field } from "./json-fields.js";
import type { RekorClient } from "./rekor.js";

/** The parts of a canonical hashedrekord/0.0.1 body an upstream append needs. */
function hashedRekordParts(body: Buffer): { digest: Buffer; signature: Buffer; verifierPem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw new InvalidArgumentError("canonicalBody", "is not JSON", { cause: err });
  }
  const spec = field(parsed, "spec");
  const hash = field(field(spec, "data"), "hash");
  const hex = field(hash, "value");
  const sig = field(field(spec, "signature"), "content");
  const key = field(field(field(spec, "signature"), "publicKey"), "content");
  if (
    field(parsed, "kind") !== "hashedrekord" ||
    field(hash, "algorithm") !== "sha256" ||
    typeof hex !== "string" ||
    !/^[0-9a-f]{64}$/.test(hex) ||
    typeof sig !== "string" ||
    typeof key !== "string"
  ) {
    throw new InvalidArgumentError("canonicalBody", "an upstream Rekor takes hashedrekord/0.0.1 entries over a SHA-256 digest here");
  }
  return { digest: Buffer.from(hex, "hex"), signature: Buffer.from(sig, "base64"), verifierPem: Buffer.from(key, "base64").toString("utf8") };
}

/** Appends through `rekor` and returns the port's entry (recording the search keys in `index`, when given). */
export async function appendThroughRekor(rekor: RekorClient, request: LogAppendRequest, index: EntryIndex | undefined): Promise<LogEntry> {
  if (request.kind !== "hashedrekord")
    throw new InvalidArgumentError("kind", "an upstream Rekor takes hashedrekord entries through this port (DSSE is logged by Sign)");
  const { digest, signature, verifierPem } = hashedRekordParts(request.canonicalBody);
  const { entry, ref } = await rekor.log(
    { $case: "messageSignature", messageSignature: { messageDigest: { algorithm: 1, digest }, signature } } as never,
    verifierPem,
  );
  await index?.record({ logIndex: ref.logIndex, artifactDigest: request.artifactDigest, signerSubject: request.signerSubject });
  const proof = entry.inclusionProof;
  return {
    uuid: ref.uuid,
    logIndex: ref.logIndex,
    logId: { keyId: Buffer.from(entry.logId.keyId) },
    kindVersion: { kind: entry.kindVersion.kind, version: entry.kindVersion.version },
    integratedTime: ref.integratedTime,
    inclusionPromise: entry.inclusionPromise ? { signedEntryTimestamp: Buffer.from(entry.inclusionPromise.signedEntryTimestamp) } : undefined,
    inclusionProof: {
      logIndex: Number(proof.logIndex),
      rootHash: Buffer.from(proof.rootHash),
      treeSize: Number(proof.treeSize),
      hashes: proof.hashes.map((h) => Buffer.from(h)),
      checkpoint: { envelope: proof.checkpoint.envelope },
    },
    canonicalizedBody: Buffer.from(entry.canonicalizedBody),
  };
}
