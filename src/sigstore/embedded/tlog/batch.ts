/**
 * Sealing a batch: turning queued append requests into rows ready for one transaction.
 *
 * Sealing assigns indexes, grows a copy of the frontier, and signs every SET and the batch's
 * checkpoint — all before anything is written, so that the commit is one short transaction and a
 * failure anywhere leaves the log's state untouched (the caller only adopts the result after the
 * commit). Requests whose body is already logged, or repeats one earlier in the same batch, are
 * not sealed; the caller answers them with `EntryExistsError`.
 */
import type { KeySigner } from "../../keys/key-signer.js";
import type { AppendRequest } from "./append-request.js";
import { signCheckpoint } from "../../rekor/checkpoint.js";
import { signedEntryTimestampPayload, type LoggedEntry } from "./entry.js";
import type { Frontier, FrontierGrowth } from "./frontier.js";
import type { BatchOutcome } from "../../../fs/group-commit.js";
import { EntryExistsError } from "./log-errors.js";
import { leafHash } from "../../rekor/merkle.js";
import type { StoredCheckpoint, StoredEntry } from "./store.js";

/** What sealing needs from the log. */
export interface SealContext {
  /** The tree before this batch. */
  readonly frontier: Frontier;
  readonly origin: string;
  /** Signature name of the signed note. */
  readonly noteName: string;
  readonly logId: Buffer;
  readonly signer: KeySigner;
  /** The batch's integrated time, seconds since the epoch. */
  readonly integratedTime: number;
  /** Log index of an already-logged leaf, or undefined. */
  readonly indexOfLeafHash: (leafHash: Buffer) => number | undefined;
}

/** A sealed batch. */
export interface SealedBatch {
  /** Outcomes known before the commit (duplicates of logged entries); other slots still empty. */
  readonly outcomes: BatchOutcome<LoggedEntry>[];
  /** The new entries, in log order. */
  readonly entries: readonly StoredEntry[];
  /** Which request (its slot in the batch) each new entry answers. */
  readonly answers: readonly { readonly slot: number; readonly entry: StoredEntry }[];
  /** Requests repeating a new entry of this batch: that entry's leaf hash and log index. */
  readonly repeats: readonly { readonly slot: number; readonly leafHash: Buffer; readonly logIndex: number }[];
  readonly growth: FrontierGrowth;
  readonly checkpoint: StoredCheckpoint;
}

/** Seals `requests` on top of `context.frontier`. Throws only if signing fails. */
export async function sealBatch(requests: readonly AppendRequest[], context: SealContext): Promise<SealedBatch> {
  const outcomes = new Array<BatchOutcome<LoggedEntry>>(requests.length);
  const accepted: { request: AppendRequest; leaf: Buffer; slot: number }[] = [];
  const repeatOf: { slot: number; leafHash: Buffer; of: number }[] = [];
  const acceptedByUuid = new Map<string, number>();
  requests.forEach((request, slot) => {
    const leaf = leafHash(request.canonicalBody);
    const uuid = leaf.toString("hex");
    const existing = context.indexOfLeafHash(leaf);
    const earlier = acceptedByUuid.get(uuid);
    if (existing !== undefined) outcomes[slot] = { ok: false, error: new EntryExistsError(uuid, existing) };
    else if (earlier !== undefined) repeatOf.push({ slot, leafHash: leaf, of: earlier });
    else {
      acceptedByUuid.set(uuid, accepted.length);
      accepted.push({ request, leaf, slot });
    }
  });

  const { frontier, integratedTime, logId, signer } = context;
  const growth = frontier.appendLeafHashes(accepted.map((a) => a.leaf));
  const checkpoint = { origin: context.origin, treeSize: growth.frontier.size, rootHash: growth.frontier.root() };
  const [note, ...sets] =
    accepted.length === 0
      ? [""]
      : await Promise.all([
          signCheckpoint(checkpoint, signer, context.noteName),
          ...accepted.map((a, i) =>
            signer.sign(
              signedEntryTimestampPayload({
                canonicalizedBody: a.request.canonicalBody,
                integratedTime,
                logId,
                logIndex: frontier.size + i,
              }),
            ),
          ),
        ]);
  const answers = accepted.map((a, i) => ({
    slot: a.slot,
    entry: {
      logIndex: frontier.size + i,
      leafHash: a.leaf,
      kind: a.request.kind,
      apiVersion: a.request.apiVersion,
      body: a.request.canonicalBody,
      integratedTime,
      signedEntryTimestamp: sets[i] as Buffer,
      artifactDigest: a.request.artifactDigest,
      signerSubject: a.request.signerSubject,
    } satisfies StoredEntry,
  }));
  const entries = answers.map((a) => a.entry);
  const repeats = repeatOf.map(({ slot, leafHash, of }) => ({ slot, leafHash, logIndex: frontier.size + of }));
  return {
    outcomes,
    entries,
    answers,
    repeats,
    growth,
    checkpoint: { treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, note },
  };
}
