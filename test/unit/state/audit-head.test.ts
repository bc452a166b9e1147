/**
 * `audit.head` is replaced after each durable batch without holding up the callers
 * (state/file/audit-log.ts): it may lag the trail while events are being written, but it never
 * leads it, and once the trail is closed it records the newest event. Real files, a real logger.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../../src/logger.js";
import { AUDIT_FILE, AUDIT_HEAD_FILE, AuditLog, HEAD_INTERVAL_MS, verifyAuditTrail } from "../../../src/state/file/audit-log.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function quietLogger() {
  return createLogger("warn", new Writable({ write: (_c, _e, done) => done() }));
}

function readHead(dir: string): { seq: number; hash: string } {
  return JSON.parse(readFileSync(join(dir, AUDIT_HEAD_FILE), "utf8")) as { seq: number; hash: string };
}

describe("audit head", () => {
  it("never leads the trail while events are written, and records the newest event once closed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "certus-audit-head-"));
    dirs.push(dir);
    const audit = AuditLog.open(dir, quietLogger());
    const durableSeqs = new Set<number>();
    let headChecks = 0;
    for (let round = 0; round < 20; round++) {
      const events = await Promise.all(
        Array.from({ length: 10 }, (_, i) => audit.record({ caller: "test", action: "sign", verdict: "allowed", detail: { n: String(round * 10 + i) } })),
      );
      for (const e of events) durableSeqs.add(e.seq);
      try {
        const head = readHead(dir);
        // Never ahead of what has been acknowledged as durable, and its hash is the trail's
        // (verifyAuditTrail reports a head past the trail's end or with another hash).
        expect(head.seq).toBeLessThanOrEqual(Math.max(...durableSeqs));
        expect(verifyAuditTrail(dir).ok).toBe(true);
        headChecks++;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err; // not written yet: lagging is allowed
      }
    }
    await audit.close();
    const lines = readFileSync(join(dir, AUDIT_FILE), "utf8").trim().split("\n");
    const last = JSON.parse(lines.at(-1)!) as { seq: number; hash: string };
    expect(last.seq).toBe(200);
    expect(readHead(dir)).toEqual({ seq: last.seq, hash: last.hash });
    expect(verifyAuditTrail(dir)).toEqual({ ok: true, events: 200 });
    expect(headChecks).toBeGreaterThan(0);
  });

  it("a reopened trail continues the chain the head records", async () => {
    const dir = mkdtempSync(join(tmpdir(), "certus-audit-head-"));
    dirs.push(dir);
    const first = AuditLog.open(dir, quietLogger());
    await first.record({ caller: "a", action: "sign", verdict: "allowed" });
    await first.close();
    const second = AuditLog.open(dir, quietLogger());
    const e = await second.record({ caller: "b", action: "sign", verdict: "allowed" });
    await second.close();
    expect(e.seq).toBe(2);
    expect(readHead(dir)).toEqual({ seq: 2, hash: e.hash });
    expect(verifyAuditTrail(dir)).toEqual({ ok: true, events: 2 });
  });

  it("is replaced at most once per interval under a steady stream of batches, and brought up to date on close", async () => {
    const dir = mkdtempSync(join(tmpdir(), "certus-audit-head-"));
    dirs.push(dir);
    const audit = AuditLog.open(dir, quietLogger());
    // Each replacement is a new file renamed over the old one: count the changes of inode.
    let replacements = 0;
    let seen: number | undefined;
    const watch = setInterval(() => {
      try {
        const ino = statSync(join(dir, AUDIT_HEAD_FILE)).ino;
        if (ino !== seen) replacements++;
        seen = ino;
      } catch {
        // not written yet
      }
    }, 1);
    const started = performance.now();
    let batches = 0;
    let last = { seq: 0, hash: "" };
    try {
      while (performance.now() - started < 3 * HEAD_INTERVAL_MS) {
        const events = await Promise.all(Array.from({ length: 4 }, () => audit.record({ caller: "test", action: "verify", verdict: "allowed" })));
        last = events.at(-1)!;
        batches++;
      }
    } finally {
      clearInterval(watch);
    }
    const elapsed = performance.now() - started;
    // Many batches, few replacements: one at the first batch, then one per interval at most.
    expect(batches).toBeGreaterThan(20);
    expect(replacements).toBeGreaterThan(0);
    expect(replacements).toBeLessThanOrEqual(Math.ceil(elapsed / HEAD_INTERVAL_MS) + 1);
    await audit.close();
    expect(readHead(dir)).toEqual({ seq: last.seq, hash: last.hash });
    expect(verifyAuditTrail(dir)).toEqual({ ok: true, events: last.seq });
  });
});
