/**
 * The log auditor: checks that the transparency log is what its signed checkpoints say it is.
 *
 * One run, in order:
 * 1. The latest checkpoint's signature verifies with the log key (and the key is the one pinned
 *    by the previous run, and the origin is the log's).
 * 2. Every earlier checkpoint it is given (the previous run's, `--from-checkpoint`) is consistent
 *    with it: same root at the same size, a verifying RFC 9162 consistency proof otherwise, and
 *    never a smaller tree.
 * 3. With `full`, every entry up to the checkpoint's size is fetched; its body must hash to its
 *    leaf (its UUID), its inclusion proof must lead to the checkpoint's root, and the root
 *    recomputed from all bodies must equal the checkpoint's.
 *
 * Problems are collected (up to a cap) and named rather than thrown, so one run reports all it
 * can see. A failure to reach the log is an exception: it says nothing about the log's honesty.
 */
import { createHash } from "node:crypto";
import { CheckpointError, parseCheckpointBody, parseSignedNote, verifySignedCheckpoint } from "../rekor/signed-note.js";
import type { AuditProblem, AuditProblemCode } from "./audit-error.js";
import type { AuditState } from "./audit-state.js";
import type { LogSource } from "./log-source.js";
import { merkleLeafHash, TreeRootAccumulator, verifyConsistencyProof, verifyInclusionProof } from "./merkle-verify.js";

/** Entries fetched at once during a full audit. */
export const DEFAULT_AUDIT_CONCURRENCY = 16;
/** Problems collected before the auditor stops listing more. */
export const DEFAULT_MAX_PROBLEMS = 100;

/** Options of {@link auditLog}. */
export interface AuditOptions {
  source: LogSource;
  /** The log's public key, SPKI DER (from GetKeys or the trusted root). */
  logKeySpki: Uint8Array;
  /** The log's base URL in the trusted root; the checkpoint origin must be part of it. */
  logBaseUrl?: string;
  /** What the previous run verified; pins the key, origin and an earlier checkpoint. */
  previous?: AuditState;
  /** Another earlier checkpoint (signed note) that the latest one must be consistent with. */
  fromCheckpoint?: string;
  /** Re-verify every entry and the whole tree. */
  full?: boolean;
  /** Entries fetched at once; default {@link DEFAULT_AUDIT_CONCURRENCY}. */
  concurrency?: number;
  /** Called as a full audit advances (entries done, entries in all). */
  onProgress?: (done: number, total: number) => void;
  maxProblems?: number;
  now?: () => Date;
}

/** A verified checkpoint. */
export interface AuditedCheckpoint {
  readonly origin: string;
  readonly treeSize: number;
  readonly rootHash: Buffer;
  readonly note: string;
}

/** What a run found. */
export interface AuditResult {
  /** Empty when the log passed every check. */
  readonly problems: AuditProblem[];
  /** The latest checkpoint, when its signature verified. */
  readonly checkpoint?: AuditedCheckpoint;
  /** Tree sizes of earlier checkpoints proven consistent with it. */
  readonly consistentFrom: number[];
  /** Entries re-verified (full audit). */
  readonly entriesVerified: number;
  /** The state to keep for the next run; only when there is no problem. */
  readonly state?: AuditState;
}

export async function auditLog(options: AuditOptions): Promise<AuditResult> {
  const max = options.maxProblems ?? DEFAULT_MAX_PROBLEMS;
  const problems: AuditProblem[] = [];
  let dropped = 0;
  const report = (code: AuditProblemCode, message: string, logIndex?: number) => {
    if (problems.length < max) problems.push({ code, message, ...(logIndex === undefined ? {} : { logIndex }) });
    else dropped++;
  };
  const logId = createHash("sha256").update(options.logKeySpki).digest("hex");
  const consistentFrom: number[] = [];
  const finish = (extra: Partial<AuditResult> = {}): AuditResult => {
    const last = problems.at(-1);
    if (dropped > 0 && last) problems.push({ code: last.code, message: `… and ${dropped} more problems not listed` });
    return { problems, consistentFrom, entriesVerified: 0, ...extra };
  };

  if (options.previous !== undefined && options.previous.logId !== logId) {
    report("LOG_KEY_CHANGED", `the log key (log ID ${logId}) is not the one pinned by the previous audit (${options.previous.logId})`);
  }
  const expectedOrigin = options.previous?.origin;
  const latest = verifyNote("latest checkpoint", await options.source.latestCheckpoint(), options, expectedOrigin, report);
  if (latest === undefined) return finish();

  // 2. Consistency with every earlier checkpoint we were given.
  const baselines: { label: string; checkpoint: AuditedCheckpoint }[] = [];
  if (options.previous !== undefined) {
    baselines.push({
      label: `the checkpoint of the previous audit (${options.previous.verifiedAt})`,
      checkpoint: {
        origin: options.previous.origin,
        treeSize: options.previous.treeSize,
        rootHash: Buffer.from(options.previous.rootHash, "base64"),
        note: options.previous.checkpoint,
      },
    });
  }
  if (options.fromCheckpoint !== undefined) {
    const from = verifyNote("--from-checkpoint checkpoint", options.fromCheckpoint, options, latest.origin, report);
    if (from !== undefined) baselines.push({ label: "the --from-checkpoint checkpoint", checkpoint: from });
  }
  for (const { label, checkpoint: old } of baselines) {
    if (old.treeSize > latest.treeSize) {
      report("INCONSISTENT_CHECKPOINTS", `the log shrank: ${label} has ${old.treeSize} entries, the latest checkpoint ${latest.treeSize}`);
    } else if (old.treeSize === latest.treeSize || old.treeSize === 0) {
      if (old.treeSize === latest.treeSize && !old.rootHash.equals(latest.rootHash)) {
        report("INCONSISTENT_CHECKPOINTS", `two different roots for tree size ${old.treeSize}: ${label} and the latest checkpoint`);
      } else {
        consistentFrom.push(old.treeSize);
      }
    } else {
      const proof = await options.source.consistencyProof(old.treeSize, latest.treeSize);
      if (verifyConsistencyProof(old.treeSize, latest.treeSize, old.rootHash, latest.rootHash, proof)) {
        consistentFrom.push(old.treeSize);
      } else {
        report(
          "INCONSISTENT_CHECKPOINTS",
          `the consistency proof from ${label} (size ${old.treeSize}) to the latest checkpoint (size ${latest.treeSize}) does not verify`,
        );
      }
    }
  }

  // 3. Every entry, and the whole tree.
  let entriesVerified = 0;
  if (options.full) {
    const total = latest.treeSize;
    const accumulator = new TreeRootAccumulator();
    const concurrency = Math.max(1, options.concurrency ?? DEFAULT_AUDIT_CONCURRENCY);
    for (let start = 0; start < total; start += concurrency) {
      const indexes = Array.from({ length: Math.min(concurrency, total - start) }, (_, i) => start + i);
      const entries = await Promise.all(indexes.map((i) => options.source.entry(i, total)));
      for (const [k, entry] of entries.entries()) {
        const index = start + k;
        if (entry.logIndex !== index) {
          report("MALFORMED_RESPONSE", `asked for entry ${index}, got entry ${entry.logIndex}`, index);
        }
        const leaf = merkleLeafHash(entry.body);
        const uuid = entry.uuid.toLowerCase().slice(-64);
        if (uuid !== leaf.toString("hex")) {
          report("ENTRY_LEAF_MISMATCH", `entry ${index}: its body hashes to leaf ${leaf.toString("hex")}, but the log names it ${uuid}`, index);
        }
        if (!verifyInclusionProof(leaf, index, total, entry.inclusionHashes, latest.rootHash)) {
          report("INCLUSION_PROOF_INVALID", `entry ${index}: its inclusion proof does not lead to the root of the checkpoint (size ${total})`, index);
        }
        accumulator.push(leaf);
      }
      entriesVerified += entries.length;
      options.onProgress?.(entriesVerified, total);
    }
    const recomputed = accumulator.root();
    if (!recomputed.equals(latest.rootHash)) {
      report(
        "ROOT_MISMATCH",
        `the root recomputed from all ${total} entries (${recomputed.toString("base64")}) differs from the signed checkpoint's (${latest.rootHash.toString("base64")})`,
      );
    }
  }

  const state: AuditState | undefined =
    problems.length === 0
      ? {
          origin: latest.origin,
          logId,
          checkpoint: latest.note,
          treeSize: latest.treeSize,
          rootHash: latest.rootHash.toString("base64"),
          fullyVerifiedSize: options.full ? latest.treeSize : (options.previous?.fullyVerifiedSize ?? 0),
          verifiedAt: (options.now ?? (() => new Date()))().toISOString(),
        }
      : undefined;
  return finish({ checkpoint: latest, entriesVerified, ...(state ? { state } : {}) });
}

/**
 * Parses and verifies a signed checkpoint; reports and returns undefined when it does not verify.
 * The signature is looked up by name and key hint, as Sigstore verifiers do: the note name (not
 * necessarily the origin: Rekor-v1-style origins are `<host> - <tree ID>`, signed under `<host>`)
 * must be part of the log's base URL when one is known.
 */
function verifyNote(
  label: string,
  note: string,
  options: AuditOptions,
  expectedOrigin: string | undefined,
  report: (code: AuditProblemCode, message: string) => void,
): AuditedCheckpoint | undefined {
  let names: string[];
  try {
    const parsed = parseSignedNote(note);
    parseCheckpointBody(parsed.text);
    names = [...new Set(parsed.signatures.map((s) => s.name))];
  } catch (err) {
    report("MALFORMED_RESPONSE", `${label}: ${err instanceof Error ? err.message.replace(/^checkpoint: /, "") : "not a signed checkpoint"}`);
    return undefined;
  }
  const baseUrl = options.logBaseUrl;
  const eligible = baseUrl === undefined ? names : names.filter((n) => baseUrl.includes(n));
  if (eligible.length === 0) {
    report("WRONG_ORIGIN", `${label}: no signature under a name that is part of the log's base URL ${baseUrl ?? ""} (found: ${names.join(", ")})`);
    return undefined;
  }
  let failure: CheckpointError | undefined;
  for (const name of eligible) {
    try {
      const checkpoint = verifySignedCheckpoint(note, { name, publicKey: options.logKeySpki, ...(expectedOrigin ? { origin: expectedOrigin } : {}) });
      return { ...checkpoint, note };
    } catch (err) {
      if (!(err instanceof CheckpointError)) throw err;
      // A bad signature or a wrong origin says more than "no signature under this name".
      if (failure === undefined || failure.reason === "UNKNOWN_KEY") failure = err;
    }
  }
  // `eligible` is not empty, so every name was tried and each failed with a CheckpointError.
  const reason = failure?.reason;
  const code: AuditProblemCode =
    reason === "WRONG_ORIGIN" ? "WRONG_ORIGIN" : reason === "BAD_SIGNATURE" || reason === "UNKNOWN_KEY" ? "BAD_SIGNATURE" : "MALFORMED_RESPONSE";
  report(code, `${label}: ${failure?.message.replace(/^checkpoint: /, "") ?? "no signature verified"}`);
  return undefined;
}
