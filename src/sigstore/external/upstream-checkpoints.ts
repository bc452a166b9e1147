/**
 * The checkpoints of an upstream log, verified before anything built on them is served: a log
 * monitor in the service.
 *
 * Every checkpoint read from upstream is
 * 1. a well-formed C2SP signed note whose signature (name = the checkpoint's origin, key hint =
 *    the first 4 bytes of the log ID) verifies with a log key of the current trusted root, and
 *    whose origin is part of that log's `baseUrl` (as `@sigstore/verify` matches them);
 * 2. consistent with the last checkpoint this instance accepted: never a smaller tree, the same
 *    root at the same size, and an RFC 9162 consistency proof that verifies otherwise (a proof
 *    that does not verify refuses the new checkpoint — the read path may be what is broken —
 *    and is reported, without the alarm);
 * 3. persisted (atomically, under the data directory) before it is returned, so a restart keeps
 *    holding the log to what it has already shown.
 *
 * A checkpoint that fails 1 is refused (`unavailable`, nothing built on it is served). One that
 * signs a contradiction (a smaller tree, or another root for the same size) raises an **alarm**
 * that stays until an operator clears the state file: a log that rewrote its history must be
 * looked at by a person. The alarm is a metric, an error log line and a not-ready `/readyz`
 * component, and every read answers `unavailable` naming it.
 *
 * Durability rule: {@link UpstreamCheckpoints.latest} resolves only after the accepted
 * checkpoint's note is durable in the state file; a caller may rely on a checkpoint it was given
 * being the floor for every later one.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../../logger.js";
import { UnavailableError } from "../../errors.js";
import { verifyConsistencyProof } from "../audit/merkle-verify.js";
import { parseCheckpointBody, parseSignedNote, verifySignedCheckpoint, CheckpointError } from "../rekor/signed-note.js";
import { replaceFileAtomic } from "../../fs/atomic-file.js";
import type { CheckpointEvent, PublishedCheckpoint } from "../transparency-log.js";
import type { TrustedRootDocument } from "../trust-root-source.js";
import { field } from "./json-fields.js";

/** Default time between polls of the upstream checkpoint by watchers, in milliseconds. */
export const DEFAULT_CHECKPOINT_POLL_MS = 1_000;
/** A checkpoint younger than this is reused instead of fetched again, in milliseconds. */
export const DEFAULT_CHECKPOINT_FRESH_MS = 250;

/** One transparency log of a trusted root, as far as checkpoints need it. */
interface TrustedLog {
  readonly baseUrl: string;
  readonly keyId: Buffer;
  readonly spki: Buffer;
}

function trustedLogs(root: TrustedRootDocument): TrustedLog[] {
  const rawTlogs = root["tlogs"];
  const tlogs: unknown[] = Array.isArray(rawTlogs) ? rawTlogs : [];
  const out: TrustedLog[] = [];
  for (const t of tlogs) {
    const rawKeyId = field(field(t, "logId"), "keyId");
    const rawSpki = field(field(t, "publicKey"), "rawBytes");
    const baseUrl = field(t, "baseUrl");
    const keyId = typeof rawKeyId === "string" ? Buffer.from(rawKeyId, "base64") : undefined;
    const spki = typeof rawSpki === "string" ? Buffer.from(rawSpki, "base64") : undefined;
    if (keyId && spki && typeof baseUrl === "string") out.push({ baseUrl, keyId, spki });
  }
  return out;
}

/**
 * Verifies a signed checkpoint with the trusted root, as C2SP signed-note and `@sigstore/verify`
 * do: a signature line whose key hint is the first 4 bytes of a trusted log's ID and whose key
 * name is part of that log's `baseUrl`, verifying with that log's key. The key name must be the
 * checkpoint's origin (Rekor v2) or begin it (Rekor v1 writes `<name> - <treeID>`). Throws
 * {@link CheckpointError}.
 */
export function verifyCheckpointWithTrustedRoot(note: string, root: TrustedRootDocument, expectedOrigin?: string): PublishedCheckpoint & { origin: string } {
  const parsed = parseSignedNote(note);
  const body = parseCheckpointBody(parsed.text);
  if (expectedOrigin !== undefined && body.origin !== expectedOrigin) {
    throw new CheckpointError("WRONG_ORIGIN", `the checkpoint's origin ${JSON.stringify(body.origin)} is not the log's ${JSON.stringify(expectedOrigin)}`);
  }
  const names = (name: string) => body.origin === name || body.origin.startsWith(`${name} - `);
  const candidates = trustedLogs(root).flatMap((l) =>
    parsed.signatures.filter((s) => names(s.name) && l.baseUrl.includes(s.name) && s.keyHint.equals(l.keyId.subarray(0, 4))).map((s) => ({ l, name: s.name })),
  );
  if (candidates.length === 0) {
    throw new CheckpointError(
      "UNKNOWN_KEY",
      `no log of the trusted root signed this checkpoint of ${JSON.stringify(body.origin)} (by key hint, and a key name that is part of the log's base URL)`,
    );
  }
  let last: unknown;
  for (const { l, name } of candidates) {
    try {
      const cp = verifySignedCheckpoint(note, { name, publicKey: l.spki, origin: body.origin });
      return { origin: cp.origin, treeSize: cp.treeSize, rootHash: cp.rootHash, envelope: note };
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

/** The log ID (SHA-256 of the key's SPKI DER) of the trusted-root log whose base URL contains the checkpoint's key name. */
export function logIdForOrigin(root: TrustedRootDocument, origin: string): Buffer | undefined {
  const [name = ""] = origin.split(" - ");
  const l = trustedLogs(root).find((t) => t.baseUrl.includes(name));
  return l ? createHash("sha256").update(l.spki).digest() : undefined;
}

export interface UpstreamCheckpointsOptions {
  /** Component name in errors and readiness (`rekor`). */
  readonly component: string;
  /** Reads the upstream's latest signed checkpoint. */
  readonly fetchNote: () => Promise<string>;
  /** The consistency proof between two sizes, from upstream (unverified). */
  readonly consistencyProof: (first: number, last: number) => Promise<readonly Uint8Array[]>;
  /** The trusted root in force. */
  readonly trustedRoot: () => TrustedRootDocument;
  /** Where the last accepted checkpoint is kept. */
  readonly stateFile: string;
  readonly log: Logger;
  /** Told when the alarm is raised (metrics, readiness). */
  readonly onAlarm?: (reason: string) => void;
  /** Told when a newer checkpoint came without a consistency proof that verifies. */
  readonly onUnproven?: (reason: string) => void;
  /** Watchers' poll interval; default {@link DEFAULT_CHECKPOINT_POLL_MS}. */
  readonly pollMs?: number;
  readonly freshMs?: number;
}

/** The verified, consistency-checked view of an upstream log's checkpoints. */
export class UpstreamCheckpoints {
  readonly #o: UpstreamCheckpointsOptions;
  #accepted: (PublishedCheckpoint & { origin: string }) | undefined;
  #acceptedAt = 0;
  #loaded = false;
  #alarm: string | undefined;
  #inflight: Promise<PublishedCheckpoint> | undefined;
  readonly #listeners = new Set<(e: CheckpointEvent) => void>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: UpstreamCheckpointsOptions) {
    this.#o = options;
  }

  /** Why the upstream log is not trusted any more, if it is not. */
  get alarm(): string | undefined {
    return this.#alarm;
  }

  /** Watchers' poll interval in milliseconds. */
  get pollMs(): number {
    return this.#o.pollMs ?? DEFAULT_CHECKPOINT_POLL_MS;
  }

  /** The last accepted checkpoint without asking upstream (undefined before the first). */
  get lastAccepted(): PublishedCheckpoint | undefined {
    return this.#accepted;
  }

  /** The latest upstream checkpoint, verified, consistent with its predecessor and persisted. */
  latest(): Promise<PublishedCheckpoint> {
    if (this.#alarm !== undefined) return Promise.reject(this.#alarmError());
    if (this.#accepted && Date.now() - this.#acceptedAt < (this.#o.freshMs ?? DEFAULT_CHECKPOINT_FRESH_MS)) return Promise.resolve(this.#accepted);
    this.#inflight ??= this.#refresh().finally(() => (this.#inflight = undefined));
    return this.#inflight;
  }

  /** Calls `listener` with each newer accepted checkpoint, polling upstream while anyone listens. */
  watch(listener: (e: CheckpointEvent) => void): () => void {
    this.#listeners.add(listener);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => {
        this.latest().catch((err: unknown) => this.#o.log.debug({ err, component: this.#o.component }, "checkpoint poll failed"));
      }, this.pollMs);
      this.#timer.unref();
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0 && this.#timer) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    };
  }

  close(): void {
    this.#listeners.clear();
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #alarmError(): UnavailableError {
    return new UnavailableError(this.#o.component, `the upstream log is not trusted: ${this.#alarm}`, { retryAfterMs: 60_000 });
  }

  async #load(): Promise<void> {
    if (this.#loaded) return;
    this.#loaded = true;
    let note: string;
    try {
      note = await readFile(this.#o.stateFile, "utf8");
    } catch {
      return; // first start: nothing seen yet
    }
    try {
      this.#accepted = verifyCheckpointWithTrustedRoot(note, this.#o.trustedRoot());
    } catch (err) {
      // A state file we wrote no longer verifies (key rotated out of the root, file damaged):
      // start over rather than trust it, but say so.
      this.#o.log.warn({ err, file: this.#o.stateFile }, "the last accepted upstream checkpoint does not verify any more; starting over");
    }
  }

  #raise(reason: string): never {
    this.#alarm = reason;
    this.#o.log.error({ component: this.#o.component, reason }, "ALARM: the upstream transparency log is inconsistent with what it showed before");
    this.#o.onAlarm?.(reason);
    throw this.#alarmError();
  }

  async #refresh(): Promise<PublishedCheckpoint> {
    await this.#load();
    const note = await this.#o.fetchNote();
    let cp: PublishedCheckpoint & { origin: string };
    try {
      cp = verifyCheckpointWithTrustedRoot(note, this.#o.trustedRoot(), this.#accepted?.origin);
    } catch (err) {
      if (!(err instanceof CheckpointError)) throw err;
      throw new UnavailableError(this.#o.component, `served a checkpoint that does not verify (${err.reason}): ${err.message}`, { cause: err });
    }
    const prev = this.#accepted;
    if (prev !== undefined) {
      if (cp.treeSize < prev.treeSize) this.#raise(`its checkpoint went back from size ${prev.treeSize} to ${cp.treeSize}`);
      if (cp.treeSize === prev.treeSize) {
        if (!cp.rootHash.equals(prev.rootHash)) this.#raise(`two different roots for size ${cp.treeSize}`);
      } else if (prev.treeSize > 0) {
        const proof = await this.#o.consistencyProof(prev.treeSize, cp.treeSize);
        if (!verifyConsistencyProof(prev.treeSize, cp.treeSize, prev.rootHash, cp.rootHash, proof)) {
          // Not proven is not proven false: the proof's hashes came over the read path, which may
          // be what is broken. The new checkpoint is refused (not accepted, not served) and the
          // failure reported; the old one stays the floor.
          const what = `no valid consistency proof from size ${prev.treeSize} to ${cp.treeSize}`;
          this.#o.onUnproven?.(what);
          throw new UnavailableError(this.#o.component, `the log's new checkpoint could not be proven consistent with the last one: ${what}`, {
            retryAfterMs: 30_000,
          });
        }
      }
    }
    if (prev === undefined || cp.treeSize > prev.treeSize) {
      await replaceFileAtomic(this.#o.stateFile, note);
    }
    this.#accepted = cp;
    this.#acceptedAt = Date.now();
    if (prev !== undefined && cp.treeSize > prev.treeSize) {
      const event: CheckpointEvent = { checkpoint: cp, firstIndex: prev.treeSize, count: cp.treeSize - prev.treeSize };
      for (const l of this.#listeners) {
        try {
          l(event);
        } catch (err) {
          this.#o.log.warn({ err }, "a checkpoint listener failed");
        }
      }
    }
    return cp;
  }
}

/** The state file of an upstream log's checkpoints under the data directory. */
export function checkpointStateFile(dataDir: string, component: string): string {
  return path.join(dataDir, `${component}-upstream-checkpoint.note`);
}
