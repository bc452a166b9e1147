/**
 * Upload permissions, recorded durably: one JSON line per event in
 * `<dataDir>/upload-permissions.jsonl` (0600), loaded into memory at start.
 *
 * Durability: `record()` and `updateCallback()` resolve once their line is written and fsynced
 * (`fs/durable-append.ts`: concurrent lines share one fdatasync), and VerifyAndPermitUpload
 * answers only after that, so a permission a caller has seen survives a
 * crash. Lines are only appended: a decision is never rewritten, and the Transform callback's
 * state is a later line about the same permission id (the last one wins). A torn last line (a
 * crash mid-write) is skipped with a warning.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DurableAppendFile } from "../../fs/durable-append.js";
import type { Logger } from "../../logger.js";
import type { CallbackState, StoredPermission } from "../state-store.js";

export const PERMISSIONS_FILE = "upload-permissions.jsonl";

export type { CallbackState, StoredInner, StoredPermission } from "../state-store.js";

type Line = ({ type: "permission" } & StoredPermission) | { type: "callback"; id: string; state: CallbackState; attempts: number; at: string; detail?: string };

export class PermissionStore {
  private readonly file: DurableAppendFile;
  private readonly byId = new Map<string, StoredPermission>();
  private readonly byScan = new Map<string, string[]>();
  private readonly byOuterUuid = new Map<string, string>();

  private constructor(
    private readonly path: string,
    private readonly log: Logger,
  ) {
    this.load();
    this.file = new DurableAppendFile(path, { component: "permission-store", failure: "cannot record the upload permission" });
  }

  static open(dataDir: string, log: Logger): PermissionStore {
    return new PermissionStore(join(dataDir, PERMISSIONS_FILE), log);
  }

  private load(): void {
    if (!existsSync(this.path)) return;
    const lines = readFileSync(this.path, "utf8").split("\n");
    for (const [i, text] of lines.entries()) {
      if (text === "") continue;
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        this.log.warn({ file: this.path, line: i + 1 }, "an upload-permission line is not valid JSON (torn write?); skipped");
        continue;
      }
      this.apply(line);
    }
  }

  private apply(line: Line): void {
    if (line.type === "permission") {
      const { type: _type, ...p } = line;
      this.byId.set(p.id, p);
      this.byScan.set(p.scanId, [...(this.byScan.get(p.scanId) ?? []), p.id]);
      // Keyed like the lookup: the leaf hash (Rekor v1 UUIDs carry a 16-hex tree ID in front).
      if (p.outer) this.byOuterUuid.set(p.outer.entry.uuid.slice(-64).toLowerCase(), p.id);
    } else {
      const p = this.byId.get(line.id);
      if (p) {
        p.callback = line.state;
        p.callbackAttempts = line.attempts;
      }
    }
  }

  /** Writes the line; it is applied to memory once durable, so nothing unrecorded is ever served. */
  private async append(line: Line): Promise<void> {
    await this.file.append(JSON.stringify(line));
    this.apply(line);
  }

  /** Records a decision; durable when it resolves. */
  record(permission: StoredPermission): Promise<void> {
    return this.append({ type: "permission", ...permission });
  }

  /** Records the callback's state; durable when it resolves. */
  updateCallback(id: string, state: CallbackState, attempts: number, detail?: string): Promise<void> {
    return this.append({ type: "callback", id, state, attempts, at: new Date().toISOString(), ...(detail ? { detail } : {}) });
  }

  get(id: string): StoredPermission | undefined {
    return this.byId.get(id);
  }

  /** Every decision for a scan, oldest first. */
  forScan(scanId: string): StoredPermission[] {
    return (this.byScan.get(scanId) ?? []).flatMap((id) => this.byId.get(id) ?? []);
  }

  /** The permission whose outer signature has this log entry UUID. */
  byOuterEntry(uuid: string): StoredPermission | undefined {
    const id = this.byOuterUuid.get(uuid.slice(-64).toLowerCase());
    return id === undefined ? undefined : this.byId.get(id);
  }

  /** Permissions whose callback is still to be delivered (after a restart). */
  pendingCallbacks(): StoredPermission[] {
    return [...this.byId.values()].filter((p) => p.callback === "pending");
  }

  /** Every decision, oldest first (for `certus-trust db migrate-from-files`). */
  all(): StoredPermission[] {
    return [...this.byId.values()];
  }

  /** Counts for stats. */
  counts(): { total: number; permitted: number } {
    let permitted = 0;
    for (const p of this.byId.values()) if (p.permitted) permitted++;
    return { total: this.byId.size, permitted };
  }

  /** Waits for queued lines to be durable, then closes the file. */
  close(): Promise<void> {
    return this.file.close();
  }
}
