import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { REDACTED_PATHS } from "../../../src/logger.js";
import { captureLogger } from "../../helpers/log-capture.js";
import { auditLineNeedsRedaction, auditLineWriter } from "../../../src/state/audit-line.js";
import { AuditLog } from "../../../src/state/file/audit-log.js";
import type { AuditEvent } from "../../../src/state/state-store.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("the audit line", () => {
  it("relies on redaction paths that reach into an audit line only as `*.name`", () => {
    // audit-line.ts decides from the event's own keys: a root name or a fixed path under another
    // root field never touches `{ audit }`; a deeper wildcard or an `audit.` path would escape it.
    for (const p of REDACTED_PATHS) expect(p).toMatch(/^((\*\.)?[A-Za-z]+|(?!audit\.)[A-Za-z]+\.[A-Za-z]+)$/);
  });

  it("logs a recorded event whole, and no field of a real event is a redacted name", async () => {
    const dir = mkdtempSync(join(tmpdir(), "audit-line-"));
    dirs.push(dir);
    const { lines, log } = captureLogger();
    const audit = AuditLog.open(dir, log);
    const event = await audit.record({
      caller: "apikey:ci",
      action: "sign",
      artifact: { digest: "sha256:" + "ab".repeat(32), uri: "oci://x" },
      policy: "p",
      verdict: "allowed",
      reasons: ["ok"],
      logIndex: "7",
      detail: { scan: "s-1" },
    });
    await audit.close();
    expect(auditLineNeedsRedaction(event)).toBe(false);
    const line = lines.find((l) => l.msg === "audit");
    expect(line?.audit).toEqual(JSON.parse(JSON.stringify(event)));
  });

  it("still redacts an event that carries a redacted field name", () => {
    const { lines, log } = captureLogger();
    const event = { seq: 1, time: "t", prev: "p", hash: "h", caller: "c", action: "sign", verdict: "allowed", token: "s3cr3t" } as unknown as AuditEvent;
    expect(auditLineNeedsRedaction(event)).toBe(true);
    auditLineWriter(log)(event);
    expect(JSON.stringify(lines)).not.toContain("s3cr3t");
    expect(lines[0]?.audit).toMatchObject({ token: "[redacted]", caller: "c" });
  });
});
