/**
 * The embedded transparency log: a Rekor-v1-compatible RFC 6962 Merkle log in SQLite.
 *
 * Durability rules (what holds when, and what a caller may assume):
 *
 * 1. `append()` validates the request at once (a bad one is rejected before it is queued) and
 *    queues it. Nothing about a queued entry is stored or promised; if the process dies now, the
 *    entry never existed and the caller never got an answer.
 * 2. Batches are cut by group commit: while one batch is being signed and committed, new
 *    requests queue; the next batch takes all of them (at most `maxBatchSize`). Batches never
 *    overlap. Within a batch, entries get consecutive log indexes in queue order and one
 *    `integratedTime` (whole seconds, never lower than any earlier entry's, even if the clock
 *    steps back).
 * 3. Before anything is written, the log signs each entry's SET and one checkpoint for the tree
 *    size at the end of the batch. Entries, the perfect-subtree hashes they complete and that
 *    checkpoint are then written in ONE SQLite transaction (WAL) followed by ONE fdatasync of
 *    the WAL file (store.ts: synchronous=NORMAL plus our own sync is synchronous=FULL).
 * 4. An entry is durable when that COMMIT and its sync have returned. Only then is the in-memory tree advanced,
 *    the callers' promises resolved (each with its SET and an inclusion proof against the
 *    batch's checkpoint) and `onCheckpoint` listeners told. A resolved `append()` therefore
 *    means: the entry, its index and the checkpoint that proves it survive any crash.
 * 5. Crash mid-batch (before COMMIT and its sync return): SQLite rolls the transaction back on the next
 *    open. The signed SETs and checkpoint of that batch were never handed out, so the tree
 *    size they named can be reused by a later batch without any client holding two different
 *    signed roots for one size. The log only ever publishes checkpoints of one append-only tree.
 * 6. A failed batch (disk full, read-only, locked, I/O error, signer failure) is rolled back;
 *    every caller in it gets the error (`UnavailableError` for transient causes) and the
 *    in-memory tree is not advanced. Before the next batch the log re-reads its size from the
 *    store, so if a COMMIT reported failure but did reach the disk, the log continues from what
 *    is stored (a caller retrying then gets `EntryExistsError` naming the stored entry).
 *    Later appends work again as soon as the store does.
 * 7. Reads (`getByIndex`, proofs, searches) see only entries covered by the latest published
 *    checkpoint, and every proof they return is against a stored, signed checkpoint or an
 *    explicitly requested older tree size.
 *
 * node:sqlite is synchronous, so the transaction and the fsync that makes it durable run on the
 * log's write thread (store.ts, writer-thread.ts), and the WAL checkpoint on a checkpoint thread
 * beside it (checkpoint-thread.ts): the event loop posts the batch and awaits the reply, so a slow
 * disk delays only the batches waiting for it, and a checkpoint none of them (unless the WAL
 * reaches its cap, when the write thread checkpoints between two commits). Batching keeps that to one transaction and one fsync per batch rather than per entry.
 */
import { createHash } from "node:crypto";
import { InvalidArgumentError, NotFoundError, TrustError, UnavailableError } from "../../../errors.js";
import type { KeySigner } from "../../keys/key-signer.js";
import { validateAppendRequest, DEFAULT_MAX_BODY_BYTES, type AppendRequest } from "./append-request.js";
import { sealBatch } from "./batch.js";
import { isValidNoteName, isValidOrigin, signCheckpoint } from "../../rekor/checkpoint.js";
import type { EntryApiVersion, EntryKind, LoggedEntry } from "./entry.js";
import { Frontier } from "./frontier.js";
import { GroupCommitter, type BatchOutcome } from "../../../fs/group-commit.js";
import { EntryExistsError } from "./log-errors.js";
import {
  DEFAULT_MAX_BATCH_SIZE,
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  type CheckpointEvent,
  type ConsistencyProof,
  type EmbeddedLogOptions,
  type EntryPage,
  type PageOptions,
  type PublishedCheckpoint,
  type TreeInclusionProof,
} from "./log-types.js";
import { consistencyProof, inclusionProof, rootHash, type SubtreeHashes } from "../../rekor/merkle.js";
import { LOG_COMPONENT, SQLITE_FULL, sqliteResultCode } from "./store-errors.js";
import { LogStore, type StoredCheckpoint, type StoredEntry } from "./store.js";

export * from "./log-types.js";

/** Checks all options together, before anything is opened; a bad option is a programming error. */
function checkOptions(options: EmbeddedLogOptions): void {
  // Checked whatever the types say: options come from configuration and JavaScript callers.
  const signer = options.signer as Partial<EmbeddedLogOptions["signer"]> | undefined;
  const positive = (v: number | undefined, min = 1) => v === undefined || (Number.isSafeInteger(v) && v >= min);
  const problems = [
    typeof options.dataDir === "string" && options.dataDir.length > 0 ? "" : "dataDir is required",
    signer?.publicKeySpki instanceof Uint8Array && typeof signer.sign === "function" ? "" : "signer is required",
    isValidOrigin(options.origin) ? "" : "origin must be non-empty printable text without line breaks",
    isValidNoteName(options.noteName ?? options.origin) ? "" : "noteName (default: origin) must be non-empty, without whitespace or '+'",
    options.clock === undefined || typeof options.clock === "function" ? "" : "clock must be a function",
    positive(options.maxBatchSize) ? "" : "maxBatchSize must be a positive integer",
    positive(options.maxBodyBytes) ? "" : "maxBodyBytes must be a positive integer",
    positive(options.busyTimeoutMs, 0) ? "" : "busyTimeoutMs must be a non-negative integer",
    positive(options.maxDatabaseBytes) ? "" : "maxDatabaseBytes must be a positive integer",
    positive(options.walCheckpointPages) ? "" : "walCheckpointPages must be a positive integer",
  ].filter((p) => p !== "");
  if (problems.length > 0) throw new TypeError(`invalid transparency log options: ${problems.join("; ")}`);
}

function published(cp: StoredCheckpoint): PublishedCheckpoint {
  return { treeSize: cp.treeSize, rootHash: cp.rootHash, envelope: cp.note };
}

function requireIndex(field: string, value: unknown, min = 0): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError(field, `must be an integer >= ${min}`);
  }
  return value;
}

export class EmbeddedTransparencyLog {
  /** SHA-256 of the log key's SPKI DER: `logId.keyId` in every entry. */
  readonly logId: Buffer;
  readonly origin: string;
  /** Signature name of the log's signed notes. */
  readonly noteName: string;
  private readonly store: LogStore;
  private readonly signer: KeySigner;
  private readonly clock: () => number;
  private readonly maxBodyBytes: number;
  private readonly committer: GroupCommitter<AppendRequest, LoggedEntry>;
  private readonly listeners = new Set<(event: CheckpointEvent) => void>();
  private frontier: Frontier = Frontier.empty();
  private latest!: StoredCheckpoint;
  private lastIntegratedTime = 0;
  private needsResync = false;
  private closed = false;
  /** Set when a batch failed because the database is at its quota or the disk is full; cleared by the next commit. */
  private storageFull = false;
  private readonly storageListeners = new Set<() => void>();

  private constructor(store: LogStore, options: EmbeddedLogOptions, logId: Buffer) {
    this.store = store;
    this.signer = options.signer;
    this.origin = options.origin;
    this.noteName = options.noteName ?? options.origin;
    this.logId = logId;
    this.clock = options.clock ?? Date.now;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.committer = new GroupCommitter((batch) => this.commitBatch(batch), options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE);
  }

  /**
   * Opens the log in `dataDir`, creating it if needed. Reads O(log n) stored hashes; never
   * rebuilds the tree. Refuses a directory created for another key or origin.
   */
  static async open(options: EmbeddedLogOptions): Promise<EmbeddedTransparencyLog> {
    checkOptions(options);
    const store = LogStore.open(options.dataDir, options);
    try {
      const logId = createHash("sha256").update(options.signer.publicKeySpki).digest();
      for (const [key, value] of [
        ["origin", options.origin],
        ["log_id", logId.toString("hex")],
      ] as const) {
        const stored = store.getMeta(key);
        if (stored === undefined) store.setMeta(key, value);
        else if (stored !== value) {
          throw new TrustError("FAILED_PRECONDITION", `${LOG_COMPONENT}: data directory belongs to a log with another ${key}`);
        }
      }
      const log = new EmbeddedTransparencyLog(store, options, logId);
      await log.loadState();
      return log;
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  /** Loads size, frontier, time and latest checkpoint; publishes one for size 0 on a new log. */
  private async loadState(): Promise<void> {
    const last = this.store.lastEntry();
    const size = last === undefined ? 0 : last.logIndex + 1;
    this.frontier = Frontier.load(size, (level, index) => this.store.subtreeHash(level, index));
    this.lastIntegratedTime = last?.integratedTime ?? 0;
    const latest = this.store.latestCheckpoint();
    if (latest !== undefined && latest.treeSize === size) {
      if (!latest.rootHash.equals(this.frontier.root())) {
        throw new TrustError("INTERNAL", `${LOG_COMPONENT}: stored checkpoint does not match the stored tree`);
      }
      this.latest = latest;
      return;
    }
    if (latest !== undefined && latest.treeSize > size) {
      throw new TrustError("INTERNAL", `${LOG_COMPONENT}: a checkpoint is larger than the stored tree`);
    }
    const checkpoint = { treeSize: size, rootHash: this.frontier.root() };
    const note = await this.signOrUnavailable(() => signCheckpoint({ origin: this.origin, ...checkpoint }, this.signer, this.noteName));
    this.latest = { ...checkpoint, note };
    await this.store.commit({ entries: [], subtrees: [], checkpoint: this.latest });
  }

  /**
   * True after appends failed because the database reached its quota (`logMaxBytes`) or the disk
   * is full, until an append succeeds again: what `/readyz` reports, since no Sign can succeed.
   */
  get full(): boolean {
    return this.storageFull;
  }

  /** Told when {@link full} changes; returns the unsubscribe function. */
  onStorageChange(listener: () => void): () => void {
    this.storageListeners.add(listener);
    return () => this.storageListeners.delete(listener);
  }

  private setStorageFull(full: boolean): void {
    if (this.storageFull === full) return;
    this.storageFull = full;
    for (const l of this.storageListeners) l();
  }

  /** Number of entries covered by the latest published checkpoint. */
  get size(): number {
    return this.latest.treeSize;
  }

  /**
   * Appends one entry. Resolves once it is durable, with its SET and an inclusion proof against
   * the checkpoint published for its batch. Rejects with `InvalidArgumentError` (bad request),
   * `EntryExistsError` (same body already logged) or `UnavailableError` (store or signer down).
   */
  append(request: AppendRequest): Promise<LoggedEntry> {
    if (this.closed) return Promise.reject(new UnavailableError(LOG_COMPONENT, "log is closed"));
    try {
      validateAppendRequest(request, this.maxBodyBytes);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.committer.submit(request);
  }

  private async signOrUnavailable<T>(sign: () => Promise<T>): Promise<T> {
    try {
      return await sign();
    } catch (err) {
      if (err instanceof TrustError) throw err; // a store read or a signer's own typed error
      throw new UnavailableError(LOG_COMPONENT, "log key could not sign", { cause: err });
    }
  }

  /** One group-commit batch; see the durability rules at the top of this file. */
  private async commitBatch(requests: readonly AppendRequest[]): Promise<BatchOutcome<LoggedEntry>[]> {
    if (this.needsResync) this.resync();
    const before = this.frontier;
    const sealed = await this.signOrUnavailable(() =>
      sealBatch(requests, {
        frontier: before,
        origin: this.origin,
        noteName: this.noteName,
        logId: this.logId,
        signer: this.signer,
        integratedTime: this.nextIntegratedTime(),
        indexOfLeafHash: (leaf) => this.store.indexOfLeafHash(leaf),
      }),
    );
    const { outcomes, entries, growth, checkpoint: stored } = sealed;
    const [first] = entries;
    if (first === undefined) return outcomes;
    try {
      await this.store.commit({ entries, subtrees: growth.completed, checkpoint: stored });
    } catch (err) {
      this.needsResync = true;
      if (sqliteResultCode((err as Error).cause) === SQLITE_FULL) this.setStorageFull(true);
      throw err;
    }
    this.setStorageFull(false);

    // Durable from here on.
    this.frontier = growth.frontier;
    this.latest = stored;
    this.lastIntegratedTime = first.integratedTime;
    const batchNodes = new Map(growth.completed.map((n) => [`${n.level}/${n.index}`, n.hash]));
    const subtree: SubtreeHashes = (level, index) => batchNodes.get(`${level}/${index}`) ?? before.get(level, index) ?? this.store.subtreeHash(level, index);
    for (const { slot, entry } of sealed.answers) outcomes[slot] = { ok: true, value: this.toLoggedEntry(entry, stored, subtree) };
    for (const r of sealed.repeats) outcomes[r.slot] = { ok: false, error: new EntryExistsError(r.leafHash.toString("hex"), r.logIndex) };
    this.emit({ checkpoint: published(stored), firstIndex: before.size, count: entries.length });
    return outcomes;
  }

  /** Whole seconds, never below an earlier entry's even if the clock steps back (or fails). */
  /** The latest integrated time the log has used (seconds); later entries never get an earlier one. */
  get integratedTimeFloor(): number {
    return this.lastIntegratedTime;
  }

  private nextIntegratedTime(): number {
    const now = Math.floor(this.clock() / 1000);
    return Number.isSafeInteger(now) ? Math.max(this.lastIntegratedTime, now) : this.lastIntegratedTime;
  }

  /** Re-reads the tree from the store after a failed commit (which may have reached the disk). */
  private resync(): void {
    const last = this.store.lastEntry();
    const size = last === undefined ? 0 : last.logIndex + 1;
    const latest = this.store.latestCheckpoint();
    if (size !== this.frontier.size && last !== undefined && latest?.treeSize === size) {
      const previousSize = this.frontier.size;
      this.frontier = Frontier.load(size, (level, index) => this.store.subtreeHash(level, index));
      this.lastIntegratedTime = Math.max(this.lastIntegratedTime, last.integratedTime);
      this.latest = latest;
      this.emit({ checkpoint: published(latest), firstIndex: previousSize, count: size - previousSize });
    } else if (size !== this.frontier.size) {
      throw new TrustError("INTERNAL", `${LOG_COMPONENT}: stored tree and checkpoints disagree`);
    }
    this.needsResync = false;
  }

  private emit(event: CheckpointEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure must not undo or hide a durable batch.
      }
    }
  }

  /** Calls `listener` after each durable batch. Returns a function that unsubscribes it. */
  onCheckpoint(listener: (event: CheckpointEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Hashes for proofs: the newest right edge from memory, everything else from the store. */
  private readonly storedSubtree: SubtreeHashes = (level, index) => this.frontier.get(level, index) ?? this.store.subtreeHash(level, index);

  private toLoggedEntry(entry: StoredEntry, checkpoint: StoredCheckpoint, subtree: SubtreeHashes): LoggedEntry {
    return {
      uuid: entry.leafHash.toString("hex"),
      logIndex: entry.logIndex,
      logId: { keyId: this.logId },
      kindVersion: { kind: entry.kind as EntryKind, version: entry.apiVersion as EntryApiVersion },
      integratedTime: entry.integratedTime,
      inclusionPromise: { signedEntryTimestamp: entry.signedEntryTimestamp },
      inclusionProof: {
        logIndex: entry.logIndex,
        rootHash: checkpoint.rootHash,
        treeSize: checkpoint.treeSize,
        hashes: inclusionProof(entry.logIndex, checkpoint.treeSize, subtree),
        checkpoint: { envelope: checkpoint.note },
      },
      canonicalizedBody: entry.body,
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new UnavailableError(LOG_COMPONENT, "log is closed");
  }

  /** A stored entry as a LoggedEntry, proven against the latest checkpoint; hides uncheckpointed rows. */
  private visible(entry: StoredEntry | undefined): LoggedEntry | undefined {
    if (entry === undefined || entry.logIndex >= this.latest.treeSize) return undefined;
    return this.toLoggedEntry(entry, this.latest, this.storedSubtree);
  }

  /** The entry at `logIndex`, proven against the latest checkpoint. */
  getByIndex(logIndex: number): LoggedEntry {
    this.assertOpen();
    requireIndex("logIndex", logIndex);
    const entry = this.visible(logIndex < this.latest.treeSize ? this.store.entryByIndex(logIndex) : undefined);
    if (entry === undefined) throw new NotFoundError(`no entry at log index ${logIndex}`);
    return entry;
  }

  /** The entry with this UUID (64 hex chars, or 80 with a Rekor tree-ID prefix). */
  getByUuid(uuid: string): LoggedEntry {
    this.assertOpen();
    if (typeof uuid !== "string" || !/^([0-9a-fA-F]{16})?[0-9a-fA-F]{64}$/.test(uuid)) {
      throw new InvalidArgumentError("uuid", "must be 64 (or 80) hexadecimal characters");
    }
    const entry = this.visible(this.store.entryByLeafHash(Buffer.from(uuid.slice(-64), "hex")));
    if (entry === undefined) throw new NotFoundError("no entry with this uuid");
    return entry;
  }

  private page(field: string, value: string, options: PageOptions, read: (v: string, after: number, n: number) => StoredEntry[]): EntryPage {
    this.assertOpen();
    if (typeof value !== "string" || value.length === 0) throw new InvalidArgumentError(field, "is required");
    const pageSize = requireIndex("pageSize", options.pageSize ?? DEFAULT_PAGE_SIZE, 1);
    if (pageSize > MAX_PAGE_SIZE) throw new InvalidArgumentError("pageSize", `must be at most ${MAX_PAGE_SIZE}`);
    const afterIndex = requireIndex("afterIndex", options.afterIndex ?? -1, -1);
    const entries = read(value, afterIndex, pageSize)
      .map((e) => this.visible(e))
      .filter((e): e is LoggedEntry => e !== undefined);
    const last = entries.at(-1);
    return { entries, nextAfterIndex: entries.length === pageSize && last !== undefined ? last.logIndex : undefined };
  }

  /** Entries logged with this artifact digest, ascending by index. */
  findByDigest(artifactDigest: string, options: PageOptions = {}): EntryPage {
    return this.page("artifactDigest", artifactDigest, options, (v, a, n) => this.store.entriesByDigest(v, a, n));
  }

  /** Entries logged with this signer subject, ascending by index. */
  findBySubject(signerSubject: string, options: PageOptions = {}): EntryPage {
    return this.page("signerSubject", signerSubject, options, (v, a, n) => this.store.entriesBySubject(v, a, n));
  }

  /**
   * Inclusion proof of `logIndex` in the tree of `treeSize` leaves (default: latest checkpoint).
   * NotFound if the index is not below the tree size; InvalidArgument if the size exceeds the log.
   */
  inclusionProof(logIndex: number, treeSize: number = this.latest.treeSize): TreeInclusionProof {
    this.assertOpen();
    requireIndex("logIndex", logIndex);
    requireIndex("treeSize", treeSize, 1);
    if (treeSize > this.latest.treeSize) throw new InvalidArgumentError("treeSize", "exceeds the log size");
    if (logIndex >= treeSize) throw new NotFoundError(`no entry at log index ${logIndex} in a tree of ${treeSize}`);
    const checkpoint = treeSize === this.latest.treeSize ? this.latest : this.store.checkpointAt(treeSize);
    return {
      logIndex,
      treeSize,
      rootHash: checkpoint?.rootHash ?? rootHash(treeSize, this.storedSubtree),
      hashes: inclusionProof(logIndex, treeSize, this.storedSubtree),
      ...(checkpoint === undefined ? {} : { checkpoint: { envelope: checkpoint.note } }),
    };
  }

  /** Consistency proof from the tree of `firstSize` leaves to that of `lastSize` (default: latest). */
  consistencyProof(firstSize: number, lastSize: number = this.latest.treeSize): ConsistencyProof {
    this.assertOpen();
    requireIndex("firstSize", firstSize, 1);
    requireIndex("lastSize", lastSize, 1);
    if (firstSize > lastSize) throw new InvalidArgumentError("firstSize", "must not exceed lastSize");
    if (lastSize > this.latest.treeSize) throw new InvalidArgumentError("lastSize", "exceeds the log size");
    return {
      firstSize,
      lastSize,
      firstRootHash: rootHash(firstSize, this.storedSubtree),
      lastRootHash: rootHash(lastSize, this.storedSubtree),
      hashes: consistencyProof(firstSize, lastSize, this.storedSubtree),
    };
  }

  /** The newest published checkpoint (a new log publishes one for size 0). */
  latestCheckpoint(): PublishedCheckpoint {
    this.assertOpen();
    return published(this.latest);
  }

  /** The checkpoint published for exactly `treeSize`, if the log published one. */
  checkpointAt(treeSize: number): PublishedCheckpoint | undefined {
    this.assertOpen();
    requireIndex("treeSize", treeSize);
    if (treeSize > this.latest.treeSize) return undefined;
    const cp = treeSize === this.latest.treeSize ? this.latest : this.store.checkpointAt(treeSize);
    return cp === undefined ? undefined : published(cp);
  }

  /** Stops accepting appends, waits for queued ones to settle, and closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.committer.idle();
    this.listeners.clear();
    await this.store.close();
  }
}
