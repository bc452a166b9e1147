/**
 * The {@link StateStore} port in a worker whose writer owns the file state store (`state/file/`):
 * each method is the writer's, called over the IPC channel. The writer's store batches concurrent
 * audit appends from every worker into one fsync and chains them in arrival order; a write
 * resolves here only once the writer's store resolved it, i.e. once it is durable, as the port
 * requires. Records come back as copies (they crossed a process boundary).
 *
 * With `stateStore: postgres` workers do not use this: they open the database themselves (that
 * adapter is already safe for replicas).
 */
import type {
  ApiKeyRecord,
  ApiKeyRecords,
  AuditCheck,
  AuditEvent,
  AuditFilter,
  AuditInput,
  AuditTrail,
  CallbackState,
  EntryIndex,
  IndexedEntry,
  IndexQuery,
  PermissionRecords,
  StateStore,
  StoredPermission,
} from "../state/state-store.js";
import type { WriterChannel } from "./writer-channel.js";

export function remoteStateStore(writer: WriterChannel): StateStore {
  const audit: AuditTrail = {
    append: (input: AuditInput) => writer.call<AuditEvent>("audit", "append", input),
    read: (filter?: AuditFilter) => writer.call<AuditEvent[]>("audit", "read", filter),
    verifyChainHead: () => writer.call<AuditCheck>("audit", "verifyChainHead"),
  };
  const permissions: PermissionRecords = {
    record: (p: StoredPermission) => writer.call<undefined>("permissions", "record", p),
    get: (id: string) => writer.call<StoredPermission | undefined>("permissions", "get", id),
    forScan: (scanId: string) => writer.call<StoredPermission[]>("permissions", "forScan", scanId),
    byOuterEntry: (uuid: string) => writer.call<StoredPermission | undefined>("permissions", "byOuterEntry", uuid),
    counts: () => writer.call<{ total: number; permitted: number }>("permissions", "counts"),
    pendingCallbacks: () => writer.call<StoredPermission[]>("permissions", "pendingCallbacks"),
    claimCallback: (id: string, claimant: string, leaseMs: number) => writer.call<boolean>("permissions", "claimCallback", id, claimant, leaseMs),
    updateCallback: (id: string, state: CallbackState, attempts: number, detail?: string) =>
      writer.call<undefined>("permissions", "updateCallback", id, state, attempts, detail),
  };
  const apiKeys: ApiKeyRecords = {
    create: (name: string, scopes: readonly string[]) => writer.call<{ record: ApiKeyRecord; key: string }>("apiKeys", "create", name, [...scopes]),
    revoke: (id: string) => writer.call<boolean>("apiKeys", "revoke", id),
    list: () => writer.call<ApiKeyRecord[]>("apiKeys", "list"),
    lookup: (id: string) => writer.call<ApiKeyRecord | undefined>("apiKeys", "lookup", id),
  };
  const entryIndex: EntryIndex = {
    record: (entry: IndexedEntry) => writer.call<undefined>("entryIndex", "record", entry),
    find: (query: IndexQuery, page: { pageSize: number; afterIndex?: number }) =>
      writer.call<{ logIndexes: number[]; nextAfterIndex: number | undefined }>("entryIndex", "find", query, page),
  };
  // The writer closes its store after every worker has drained; nothing to release here.
  return { audit, permissions, apiKeys, entryIndex, close: () => Promise.resolve() };
}
