/**
 * The embedded {@link StateStore}: the files in the data directory, one process at a time.
 *
 * - audit trail: `audit.log` + `audit.head` (`audit-log.ts`), hash-chained, batched fsync;
 * - upload permissions: `upload-permissions.jsonl` (`permission-store.ts`), fsynced per record;
 *   callback claims are held in memory, which is enough for the one process that owns the files
 *   (a claim's lease matters only with replicas, which need the PostgreSQL adapter);
 * - API keys: `apikeys.json` (`api-key-store.ts`), replaced atomically, re-read within 500 ms;
 * - entry index: the embedded log keeps the digest/subject index in its own SQLite database, in
 *   the same transaction as the entry, so `record` has nothing to add and `find` asks the log
 *   (through `search`, given by the composition root). With a log that has no search, `find`
 *   rejects as that log does.
 */
import type { Logger } from "../../logger.js";
import type { ApiKeyRecords, AuditTrail, EntryIndex, IndexQuery, PermissionRecords, StateStore } from "../state-store.js";
import { ApiKeyStore } from "./api-key-store.js";
import { AuditLog, readAuditEvents, verifyAuditTrail } from "./audit-log.js";
import { PermissionStore } from "./permission-store.js";
import { parseScopes } from "../../auth/scopes.js";

/** Searches the log's own index (see the file comment). */
export type LogIndexSearch = (
  query: IndexQuery,
  page: { pageSize: number; afterIndex?: number },
) => Promise<{ logIndexes: number[]; nextAfterIndex: number | undefined }>;

export interface FileStateStoreOptions {
  readonly dataDir: string;
  readonly log: Logger;
  readonly searchLog: LogIndexSearch;
  /**
   * The entry index to use instead of the log's own (a log without search, Rekor v2: the
   * service records its own entries there).
   */
  readonly entryIndex?: EntryIndex;
}

export class FileStateStore implements StateStore {
  readonly audit: AuditTrail;
  readonly permissions: PermissionRecords;
  readonly apiKeys: ApiKeyRecords;
  readonly entryIndex: EntryIndex;
  /** The underlying files, for the operator tools and tests that read them directly. */
  readonly files: { readonly audit: AuditLog; readonly permissions: PermissionStore; readonly apiKeys: ApiKeyStore };

  private constructor(options: FileStateStoreOptions, audit: AuditLog, permissions: PermissionStore) {
    const apiKeys = ApiKeyStore.open(options.dataDir);
    this.files = { audit, permissions, apiKeys };
    const dataDir = options.dataDir;
    this.audit = {
      append: (input) => audit.record(input),
      read: (filter) => settle(() => readAuditEvents(dataDir, filter)),
      verifyChainHead: () => settle(() => verifyAuditTrail(dataDir)),
    };
    const claims = new Map<string, { claimant: string; until: number }>();
    this.permissions = {
      record: (p) => permissions.record(p),
      get: (id) => settle(() => copy(permissions.get(id))),
      forScan: (scanId) => settle(() => permissions.forScan(scanId).map((p) => copy(p))),
      byOuterEntry: (uuid) => settle(() => copy(permissions.byOuterEntry(uuid))),
      counts: () => settle(() => permissions.counts()),
      pendingCallbacks: () => settle(() => permissions.pendingCallbacks().map((p) => copy(p))),
      claimCallback: (id, claimant, leaseMs) =>
        settle(() => {
          if (permissions.get(id)?.callback !== "pending") return false;
          const held = claims.get(id);
          const now = Date.now();
          if (held && held.claimant !== claimant && held.until > now) return false;
          claims.set(id, { claimant, until: now + leaseMs });
          return true;
        }),
      updateCallback: async (id, state, attempts, detail) => {
        await permissions.updateCallback(id, state, attempts, detail);
        if (state !== "pending") claims.delete(id);
      },
    };
    this.apiKeys = {
      create: (name, scopes) => settle(() => apiKeys.create(name, parseScopes([...scopes]))),
      revoke: (id) => settle(() => apiKeys.revoke(id)),
      list: () => settle(() => apiKeys.list()),
      lookup: (id) => settle(() => apiKeys.lookup(id)),
    };
    this.entryIndex = options.entryIndex ?? {
      record: async () => {},
      find: (query, page) => options.searchLog(query, page),
    };
  }

  /** Opens the files (creating them as needed); throws `UnavailableError` if one cannot be opened. */
  static open(options: FileStateStoreOptions): FileStateStore {
    const audit = AuditLog.open(options.dataDir, options.log);
    let permissions: PermissionStore;
    try {
      permissions = PermissionStore.open(options.dataDir, options.log);
    } catch (err) {
      void audit.close();
      throw err;
    }
    return new FileStateStore(options, audit, permissions);
  }

  async close(): Promise<void> {
    await this.files.permissions.close();
    await this.files.audit.close();
  }
}

/** A deep copy, so a caller's change never reaches the stored record (`undefined` stays `undefined`). */
function copy<T>(value: T): T {
  return structuredClone(value);
}

/** Runs a synchronous read as an `async` method would: its value resolves, its throw rejects. */
function settle<T>(run: () => T): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (err) {
    return Promise.reject(err);
  }
}
