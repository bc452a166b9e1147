/**
 * The file permission store finds a permission by its outer log entry's UUID in either form:
 * Rekor v1 answers 80 hex characters (a 16-hex tree ID, then the leaf hash), and callers may hand
 * back either that or the 64-hex leaf hash (found against the real rekor-server in
 * test/interop/real-sigstore-rekor-v1.test.ts: verify-chain did not find a permission recorded
 * under an 80-hex UUID). It holds after a restart (the index is rebuilt from the file).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../src/logger.js";
import { PermissionStore, type StoredPermission } from "../../../src/state/file/permission-store.js";

const log = createLogger("error", new Writable({ write: (_c, _e, cb) => cb() }));
const TREE = "5b4aa6624d20ef43";
const LEAF = "71800e50b8c7da62ec4f53e24133f8c7486e5e83a296d072562a9168a48c172f";

function permission(id: string, uuid: string): StoredPermission {
  return {
    id,
    scanId: `scan-${id}`,
    tier: "verified",
    permitted: true,
    reason: "permitted",
    detail: "",
    decidedAt: new Date(0).toISOString(),
    caller: "test",
    manifestDigest: `sha256:${"0".repeat(64)}`,
    artifacts: [],
    metadata: { git_url: "", branch: "", commit: "", requested_by: "" },
    response: {},
    outer: { signer: "certus-trust@certus.example", bundle: {}, entry: { uuid, logIndex: 7, integratedTime: 1 } },
    callback: "off",
    callbackAttempts: 0,
  };
}

describe("PermissionStore.byOuterEntry", () => {
  it("finds a permission recorded under an 80-hex Rekor v1 UUID by that UUID and by its leaf hash, before and after a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "permission-store-uuid-"));
    const store = PermissionStore.open(dir, log);
    await store.record(permission("p1", `${TREE}${LEAF.toUpperCase()}`));
    for (const s of [store, PermissionStore.open(dir, log)]) {
      expect(s.byOuterEntry(`${TREE}${LEAF}`)?.id).toBe("p1");
      expect(s.byOuterEntry(LEAF)?.id).toBe("p1");
      expect(s.byOuterEntry(`${TREE}${"1".repeat(64)}`)).toBeUndefined();
    }
  });
});
