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

/** A sealed batch. `entries[i]` answers request `slots[i]`. */
export interface SealedBatch {
  /** Outcomes known before the commit (duplicates of logged entries); other slots still empty. */
  readonly outcomes: BatchOutcome<LoggedEntry>[];
  readonly entries: readonly StoredEntry[];
  readonly slots: readonly number[];
  /** Requests repeating `entries[of]` within this batch. */
  readonly repeats: readonly { readonly slot: number; readonly of: number }[];
  readonly growth: FrontierGrowth;
  readonly checkpoint: StoredCheckpoint;
}

/** Seals `requests` on top of `context.frontier`. Throws only if signing fails. */
export async function sealBatch(requests: readonly AppendRequest[], context: SealContext): Promise<SealedBatch> {
  const outcomes: BatchOutcome<LoggedEntry>[] = new Array(requests.length);
  const accepted: { request: AppendRequest; leaf: Buffer }[] = [];
  const slots: number[] = [];
  const repeats: { slot: number; of: number }[] = [];
  const acceptedByUuid = new Map<string, number>();
  requests.forEach((request, slot) => {
    const leaf = leafHash(request.canonicalBody);
    const uuid = leaf.toString("hex");
    const existing = context.indexOfLeafHash(leaf);
    const earlier = acceptedByUuid.get(uuid);
    if (existing !== undefined) outcomes[slot] = { ok: false, error: new EntryExistsError(uuid, existing) };
    else if (earlier !== undefined) repeats.push({ slot, of: earlier });
    else {
      acceptedByUuid.set(uuid, accepted.length);
      accepted.push({ request, leaf });
      slots.push(slot);
    }
  });

  const { frontier, integratedTime, logId, signer } = context;
  const growth = frontier.appendLeafHashes(accepted.map((a) => a.leaf));
  const checkpoint = { origin: context.origin, treeSize: growth.frontier.size, rootHash: growth.frontier.root() };
  const [note, ...sets] = accepted.length === 0 ? [""] : await Promise.all([
    signCheckpoint(checkpoint, signer, context.noteName),
    ...accepted.map((a, i) => signer.sign(signedEntryTimestampPayload({
      canonicalizedBody: a.request.canonicalBody, integratedTime, logId, logIndex: frontier.size + i,
    }))),
  ]);
  const entries: StoredEntry[] = accepted.map((a, i) => ({
    logIndex: frontier.size + i,
    leafHash: a.leaf,
    kind: a.request.kind,
    apiVersion: a.request.apiVersion,
    body: a.request.canonicalBody,
    integratedTime,
    signedEntryTimestamp: sets[i] as Buffer,
    artifactDigest: a.request.artifactDigest,
    signerSubject: a.request.signerSubject,
  }));
  return {
    outcomes, entries, slots, repeats, growth,
    checkpoint: { treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, note: note as string },
  };
}
