/**
 * The state store port: everything the service keeps besides the transparency log itself — the
 * hash-chained audit trail, upload permissions (with the Transform callback's delivery state), API
 * keys, and the entry index (artifact digest / signer subject → log index). The embedded adapter
 * (`state/file/`) wraps the files in the data directory; a PostgreSQL adapter, shared by replicas,
 * implements the same interface.
 *
 * Contract shared by every method:
 *
 * - Everything is asynchronous (a database answers over the network).
 * - A write resolves only once it is durable (fsynced / committed): the service answers a caller
 *   only after the record that answer depends on has resolved, so what a caller has seen survives
 *   a crash. A rejected write may or may not have reached the store; records are idempotent by id.
 * - Failures of the store are `UnavailableError` (component `audit-log`, `permission-store`,
 *   `api-key-store` or `entry-index`); a caller's mistake is `InvalidArgumentError` or `TypeError`
 *   (for operator tools). Nothing here ever holds a secret: API keys are stored as salted hashes.
 * - Returned records are copies; mutating them changes nothing stored.
 *
 * This file imports nothing from its adapters; they import it.
 */

// ---------------------------------------------------------------------------------------------
// Audit trail

/** The closed set of audited actions. */
export type AuditAction = "sign" | "verify" | "permit-upload" | "verify-chain";

/** What the caller of `append` provides. */
export interface AuditInput {
  caller: string;
  action: AuditAction;
  artifact?: { digest?: string; uri?: string };
  policy?: string;
  verdict: "allowed" | "refused" | "verified" | "rejected" | "error";
  reasons?: string[];
  logIndex?: string;
  /** Free-form extra context (scan id, permission id, …); no secrets. */
  detail?: Record<string, string>;
}

/** A stored event: `hash` = SHA-256 over its canonical JSON without `hash`; `prev` chains it. */
export interface AuditEvent extends AuditInput {
  seq: number;
  time: string;
  prev: string;
  hash: string;
}

/** The outcome of checking a trail's chain and head. */
export interface AuditCheck {
  ok: boolean;
  events: number;
  /** The first problem, naming the event. */
  problem?: string;
}

/** Which events `read` returns. */
export interface AuditFilter {
  since?: Date;
  /** An artifact digest or URI. */
  artifact?: string;
}

export interface AuditTrail {
  /**
   * Appends an event to the chain (assigning `seq`, `time`, `prev`, `hash`); resolves once it is
   * durable. Concurrent appends are batched (one fsync per batch) but chained in call order.
   */
  append(input: AuditInput): Promise<AuditEvent>;
  /** Stored events in chain order, filtered. */
  read(filter?: AuditFilter): Promise<AuditEvent[]>;
  /** Re-verifies the whole chain and the recorded head (which detects events cut off the end). */
  verifyChainHead(): Promise<AuditCheck>;
}

// ---------------------------------------------------------------------------------------------
// Upload permissions

/** Where the Transform callback of a permission stands. */
export type CallbackState = "off" | "pending" | "delivered" | "failed";

/** The log entry a signature obtained. */
export interface EntryRef {
  readonly uuid: string;
  readonly logIndex: number;
  /** Seconds since the epoch. */
  readonly integratedTime: number;
}

/** The inner signature as verified. */
export interface StoredInner {
  signer: string;
  issuer?: string;
  mode: string;
  /** base64 */
  signature: string;
  verifierPem: string;
  entry?: EntryRef;
}

/** One permission decision. */
export interface StoredPermission {
  id: string;
  scanId: string;
  tier: string;
  permitted: boolean;
  reason: string;
  detail: string;
  /** RFC 3339 */
  decidedAt: string;
  caller: string;
  manifestDigest: string;
  artifacts: Array<{ name: string; hash: string; size: number; signature?: string }>;
  /** The scan metadata as sent (snake_case keys, as Transform reads them). */
  metadata: { git_url: string; branch: string; commit: string; requested_by: string };
  /** The answer as sent (proto3 JSON, snake_case), without the outer bundle. */
  response: Record<string, unknown>;
  inner?: StoredInner;
  /** The outer signature: the bundle is the Sigstore bundle JSON. */
  outer?: { signer: string; bundle: Readonly<Record<string, unknown>>; entry: EntryRef };
  callback: CallbackState;
  callbackAttempts: number;
}

export interface PermissionRecords {
  /** Records a decision; durable when it resolves. A decision is never rewritten. */
  record(permission: StoredPermission): Promise<void>;
  get(id: string): Promise<StoredPermission | undefined>;
  /** Every decision for a scan, oldest first. */
  forScan(scanId: string): Promise<StoredPermission[]>;
  /** The permission whose outer signature has this log entry UUID (64 hex, or 80 with a tree-ID prefix). */
  byOuterEntry(uuid: string): Promise<StoredPermission | undefined>;
  /** Counts for stats. */
  counts(): Promise<{ total: number; permitted: number }>;
  /** Permissions whose callback is still to be delivered (to resume after a restart). */
  pendingCallbacks(): Promise<StoredPermission[]>;
  /**
   * Claims the delivery of a pending callback for `claimant` for `leaseMs`: true when the caller
   * now holds it, false when the callback is not pending or another claimant holds a live claim.
   * Only the holder may deliver, so a callback is sent by one process at a time even with
   * replicas; a holder that dies loses the claim when the lease ends and another resumes it.
   * Re-claiming by the same claimant renews the lease.
   */
  claimCallback(id: string, claimant: string, leaseMs: number): Promise<boolean>;
  /** Records the callback's state after an attempt (the last one wins); durable when it resolves. */
  updateCallback(id: string, state: CallbackState, attempts: number, detail?: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// API keys

/** One stored key (no secret). */
export interface ApiKeyRecord {
  id: string;
  name: string;
  scopes: string[];
  /** base64url salt and HMAC-SHA256 of the secret. */
  salt: string;
  hash: string;
  createdAt: string;
  revokedAt?: string;
}

export interface ApiKeyRecords {
  /**
   * Creates a key; resolves with its record and the full key string, which is shown once and
   * never stored. `TypeError` for a bad name or no scopes.
   */
  create(name: string, scopes: readonly string[]): Promise<{ record: ApiKeyRecord; key: string }>;
  /** Marks a key revoked (kept for the record); false when there is no such key. */
  revoke(id: string): Promise<boolean>;
  /** Every key, revoked ones included. */
  list(): Promise<ApiKeyRecord[]>;
  /**
   * The live (not revoked) key with this id. A revocation made elsewhere (the CLI, another
   * replica) is seen within a bounded time the adapter states (the file adapter: 500 ms).
   */
  lookup(id: string): Promise<ApiKeyRecord | undefined>;
}

// ---------------------------------------------------------------------------------------------
// Entry index

/** What an index search looks for. */
export type IndexQuery = { readonly artifactDigest: string } | { readonly signerSubject: string };

/** Search keys of one logged entry. */
export interface IndexedEntry {
  readonly logIndex: number;
  readonly artifactDigest?: string | undefined;
  readonly signerSubject?: string | undefined;
}

export interface EntryIndex {
  /**
   * Records the search keys of an entry once the log holds it; durable when it resolves.
   * Recording the same entry again is a no-op. (The embedded log records its keys in the same
   * transaction as the entry, so its adapter's `record` has nothing left to do.)
   */
  record(entry: IndexedEntry): Promise<void>;
  /** Log indexes recorded with this key, ascending, at most `pageSize` above `afterIndex`. */
  find(query: IndexQuery, page: { pageSize: number; afterIndex?: number }): Promise<{ logIndexes: number[]; nextAfterIndex: number | undefined }>;
}

// ---------------------------------------------------------------------------------------------

/** The state store port. */
export interface StateStore {
  readonly audit: AuditTrail;
  readonly permissions: PermissionRecords;
  readonly apiKeys: ApiKeyRecords;
  readonly entryIndex: EntryIndex;
  /** Waits for pending writes to be durable, then releases files or connections. */
  close(): Promise<void>;
}
