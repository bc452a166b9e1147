/**
 * Faults under load: the data directory fills up (a real small tmpfs, and the log's size quota
 * `--log-max-bytes`), another process holds the log's write lock, and the clock steps back.
 * Sign must answer `unavailable` (HTTP 503 with Retry-After) or just be slower, never 500; nothing
 * acknowledged may be lost or corrupted; signing must work again once the fault is gone.
 *
 * Read-only data directory: not tested under load. We run as root, so permissions do not stop
 * writes, and Linux refuses to remount a filesystem read-only while a file on it is open for
 * writing (EBUSY), which the log's database always is. The store maps SQLITE_READONLY to
 * `unavailable` (unit-tested in test/unit/tlog/failures.test.ts); here a restart on a read-only
 * mount is checked instead.
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it, vi } from "vitest";
import { verifyAuditTrail } from "../../src/state/file/audit-log.js";
import { EmbeddedTransparencyLog } from "../../src/sigstore/embedded/tlog/log.js";
import { LOG_DB_FILE } from "../../src/sigstore/embedded/tlog/store.js";
import { skipReason } from "../helpers/requirement.js";
import { spawnCliServer, startTestServer, tempDir } from "../helpers/server.js";
import { makeSigner, request } from "../unit/tlog/fixtures.js";
import {
  bundleCheckpoint,
  expectConsistent,
  expectStillLogged,
  fetchLogKey,
  fetchTrustedRoot,
  readCheckpoint,
  received,
  signOnce,
  stockVerifier,
  transparency,
  type ReceivedBundle,
  type SeenCheckpoint,
} from "./support.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Whether this process may mount a tmpfs (root in a container without CAP_SYS_ADMIN may not). */
function probeMount(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), "certus-mount-probe-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir], { stdio: "pipe" });
    execFileSync("umount", [dir], { stdio: "pipe" });
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs here (${
      String((err as { stderr?: Buffer }).stderr ?? err)
        .trim()
        .split("\n")[0]
    })`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
// Root on the project's machines and in CI may mount; there a failed probe fails the file.
const cannotMount = skipReason("reliability/faults: disk-full and read-only tests", probeMount());

/** A fresh tmpfs of `bytes`, unmounted after the test. */
function mountTmpfs(bytes: number): string {
  const dir = mkdtempSync(join(tmpdir(), "certus-tmpfs-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${bytes}`, "tmpfs", dir], { stdio: "pipe" });
  cleanups.push(() => {
    execFileSync("umount", ["-l", dir], { stdio: "pipe" });
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** What a fleet of signing clients saw. */
interface LoadLog {
  bundles: ReceivedBundle[];
  checkpoints: Map<number, SeenCheckpoint>;
  /** Count by "status code", e.g. "200", "503 unavailable". */
  statuses: Map<string, number>;
  /** Answers that are neither 200 nor a well-formed 503 `unavailable` with Retry-After. */
  bad: string[];
  /** Latency of each answered call, ms. */
  latencies: number[];
  /** The last few outcomes, newest last ("ok" or the status). */
  recent: string[];
  /** The first 503 answer: its message and Retry-After. */
  firstUnavailable?: { message: string; retryAfter: string | null };
}

/** Signs continuously with `concurrency` clients until `stop()`; records every answer. */
function signLoad(url: string, logKey: Awaited<ReturnType<typeof fetchLogKey>>, concurrency: number, tag: string, issuer = url) {
  const out: LoadLog = { bundles: [], checkpoints: new Map(), statuses: new Map(), bad: [], latencies: [], recent: [] };
  let stopped = false;
  const client = async (w: number) => {
    for (let n = 0; !stopped; n++) {
      const format = n % 2 === 0 ? "dsse" : "message";
      const artifact = Buffer.from(`${tag} client ${w} artifact ${n}\n`);
      const t0 = performance.now();
      const r = await signOnce(url, artifact, format);
      if (r === undefined) {
        out.bad.push("a call failed in transit");
        continue;
      }
      out.latencies.push(performance.now() - t0);
      const key = r.status === 200 ? "200" : `${r.status} ${r.json?.code}`;
      out.statuses.set(key, (out.statuses.get(key) ?? 0) + 1);
      out.recent = [...out.recent.slice(-19), r.status === 200 ? "ok" : key];
      if (r.status === 200) {
        const b = received(r.json, artifact, format, issuer);
        out.bundles.push(b);
        const cp = bundleCheckpoint(b, logKey);
        out.checkpoints.set(cp.size, cp);
      } else if (r.status !== 503 || r.json?.code !== "unavailable" || !/^\d+$/.test(r.retryAfter ?? "")) {
        out.bad.push(`${r.status} retry-after=${r.retryAfter}: ${JSON.stringify(r.json)}`);
      }
      if (r.status === 503) out.firstUnavailable ??= { message: String(r.json?.message), retryAfter: r.retryAfter };
      if (r.status === 503) await new Promise((res) => setTimeout(res, 50)); // a polite client backs off a little
    }
  };
  const done = Promise.all(Array.from({ length: concurrency }, (_, w) => client(w)));
  return {
    out,
    until: async (condition: () => boolean, maxMs: number) => {
      const end = Date.now() + maxMs;
      while (!condition() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      return condition();
    },
    stop: async () => {
      stopped = true;
      await done;
      return out;
    },
  };
}

/** Everything the clients received is intact: logged at its index, verifies, checkpoints consistent. */
async function expectIntact(url: string, all: LoadLog[]): Promise<SeenCheckpoint> {
  const logKey = await fetchLogKey(url);
  const verify = stockVerifier(await fetchTrustedRoot(url));
  const { json } = await transparency(url, { logIndex: "0" });
  const latest = readCheckpoint(json.checkpoint, logKey);
  for (const log of all) {
    for (const cp of log.checkpoints.values()) await expectConsistent(url, cp, latest);
    for (const b of log.bundles) {
      await expectStillLogged(url, b);
      verify(b);
    }
  }
  return latest;
}

function integrityCheck(dataDir: string): string {
  const db = new DatabaseSync(join(dataDir, LOG_DB_FILE), { readOnly: true });
  try {
    return (db.prepare("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check;
  } finally {
    db.close();
  }
}

/** Writes zeros to `file` until the filesystem refuses; returns the bytes written. */
function fillDisk(file: string): number {
  const fd = openSync(file, "w");
  let total = 0;
  try {
    for (const chunk of [1024 * 1024, 4096, 512]) {
      const buf = Buffer.alloc(chunk);
      for (;;) {
        try {
          const n = writeSync(fd, buf);
          total += n;
          if (n < chunk) break;
        } catch {
          break; // ENOSPC
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return total;
}

const summary = (log: LoadLog) => [...log.statuses.entries()].map(([k, v]) => `${k}: ${v}`).join(", ");

describe("faults under load", () => {
  it.skipIf(cannotMount !== undefined)(
    "disk full (a real 24 MiB tmpfs): 503 unavailable with Retry-After, nothing corrupted, signing resumes once space is freed",
    async () => {
      const dataDir = mountTmpfs(24 * 1024 * 1024);
      const srv = await startTestServer({ "log-level": "warn" }, dataDir);
      cleanups.push(() => srv.stop());
      const logKey = await fetchLogKey(srv.url);
      const load = signLoad(srv.url, logKey, 4, "disk-full");
      await load.until(() => load.out.bundles.length >= 20, 20_000);
      const before = summary(load.out);
      const ballast = join(dataDir, "ballast");
      const filled = fillDisk(ballast);
      const sawUnavailable = await load.until(() => (load.out.statuses.get("503 unavailable") ?? 0) >= 10, 20_000);
      const duringFault = summary(load.out);
      unlinkSync(ballast);
      const recovered = await load.until(() => load.out.recent.slice(-8).every((s) => s === "ok") && load.out.recent.length >= 8, 20_000);
      const out = await load.stop();
      console.log(`[faults] disk full: before {${before}}; ballast ${(filled / 1048576).toFixed(1)} MiB; during {${duringFault}}; after {${summary(out)}}`);
      expect(out.bad, out.bad.slice(0, 5).join("\n")).toEqual([]);
      expect(sawUnavailable, "Sign answered 503 unavailable while the disk was full").toBe(true);
      expect(recovered, "signing works again once space is freed").toBe(true);
      await expectIntact(srv.url, [out]);
      expect(verifyAuditTrail(dataDir), "the audit trail's hash chain is intact").toEqual({ ok: true, events: expect.any(Number) });
      await srv.stop();
      cleanups.pop();
      expect(integrityCheck(dataDir)).toBe("ok");
      // And after a restart on the same directory.
      const again = await startTestServer({ "log-level": "warn" }, dataDir);
      cleanups.push(() => again.stop());
      await expectIntact(again.url, [out]);
    },
    120_000,
  );

  it("log size quota (--log-max-bytes): 503 unavailable when reached, reads keep working, signing resumes with a larger quota", async () => {
    const dataDir = tempDir();
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const quota = 512 * 1024;
    const srv = await startTestServer({ "log-level": "warn", "log-max-bytes": String(quota) }, dataDir);
    cleanups.push(() => srv.stop());
    const logKey = await fetchLogKey(srv.url);
    const load = signLoad(srv.url, logKey, 4, "quota");
    const full = await load.until(() => (load.out.statuses.get("503 unavailable") ?? 0) >= 10, 60_000);
    const out = await load.stop();
    console.log(`[faults] quota ${quota} bytes: {${summary(out)}}`);
    expect(out.bad, out.bad.slice(0, 5).join("\n")).toEqual([]);
    expect(full, "Sign answered 503 unavailable once the quota was reached").toBe(true);
    expect(out.firstUnavailable?.message).toMatch(/transparency-log: .*full/);
    expect(out.firstUnavailable?.retryAfter).toMatch(/^\d+$/);
    // Reads are not affected by a full log.
    await expectIntact(srv.url, [out]);
    await srv.stop();
    cleanups.pop();
    expect(integrityCheck(dataDir)).toBe("ok");

    const larger = await startTestServer({ "log-level": "warn", "log-max-bytes": String(4 * quota) }, dataDir);
    cleanups.push(() => larger.stop());
    // The issuer was fixed at first start (srv's URL); the restart on another port keeps it.
    const after = signLoad(larger.url, logKey, 4, "quota-raised", srv.url);
    await after.until(() => after.out.bundles.length >= 10, 20_000);
    const resumed = await after.stop();
    expect(resumed.bad).toEqual([]);
    expect(resumed.bundles.length).toBeGreaterThanOrEqual(10);
    await expectIntact(larger.url, [out, resumed]);
  }, 120_000);

  it("another process holds the log's write lock: Sign is delayed or answers 503 unavailable, never corrupt", async () => {
    const dataDir = tempDir();
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    // A child process: node:sqlite waits for a lock synchronously, which would stall this test too.
    const cli = await spawnCliServer(["--data-dir", dataDir]);
    cleanups.push(async () => {
      cli.child.kill("SIGKILL");
      await cli.exited;
    });
    const logKey = await fetchLogKey(cli.url);
    const holder = new DatabaseSync(join(dataDir, LOG_DB_FILE), { timeout: 10_000 });
    cleanups.push(() => holder.close());
    const hold = async (ms: number) => {
      holder.exec("BEGIN IMMEDIATE");
      holder.exec("CREATE TABLE IF NOT EXISTS lock_holder (x)"); // really holds the write lock
      // Released on a timer of its own: a probe below can be stuck behind the server's wait.
      let held = true;
      const released = new Promise<void>((r) =>
        setTimeout(() => {
          holder.exec("ROLLBACK");
          held = false;
          r();
        }, ms),
      );
      const probes: number[] = [];
      while (held) {
        const t0 = performance.now();
        await fetch(`${cli.url}/healthz`).catch(() => undefined);
        probes.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 100));
      }
      await released;
      return Math.max(...probes);
    };

    const load = signLoad(cli.url, logKey, 4, "busy");
    await load.until(() => load.out.bundles.length >= 10, 20_000);
    // Shorter than the 5 s busy timeout: calls wait for the lock and succeed.
    const shortStall = await hold(1500);
    await load.until(() => false, 500);
    const afterShort = summary(load.out);
    const shortOk = [...load.out.statuses.keys()].every((k) => k === "200");
    // Longer than the busy timeout: the batch waiting for the lock fails as unavailable.
    const longStall = await hold(6500);
    const recovered = await load.until(() => load.out.recent.slice(-8).every((s) => s === "ok") && load.out.recent.length >= 8, 20_000);
    const out = await load.stop();
    const sorted = [...out.latencies].sort((a, b) => a - b);
    console.log(
      `[faults] lock held 1.5 s: {${afterShort}}; then 6.5 s: {${summary(out)}}; slowest sign ${sorted.at(-1)!.toFixed(0)} ms; ` +
        `slowest /healthz while the lock was held: ${shortStall.toFixed(0)} ms (1.5 s hold), ${longStall.toFixed(0)} ms (6.5 s hold)`,
    );
    expect(out.bad, out.bad.slice(0, 5).join("\n")).toEqual([]);
    expect(shortOk, "a lock held for less than the busy timeout only delays Sign").toBe(true);
    expect(out.statuses.get("503 unavailable") ?? 0, "a lock held past the busy timeout makes Sign answer unavailable").toBeGreaterThan(0);
    expect(recovered).toBe(true);
    await expectIntact(cli.url, [out]);
    cli.child.kill("SIGTERM");
    await cli.exited;
    expect(integrityCheck(dataDir)).toBe("ok");
  }, 120_000);

  it.skipIf(cannotMount !== undefined)(
    "a read-only data directory at start: the server refuses to start or to sign, and nothing is lost once writable again",
    async () => {
      const dataDir = mountTmpfs(16 * 1024 * 1024);
      const first = await startTestServer({ "log-level": "warn" }, dataDir);
      const logKey = await fetchLogKey(first.url);
      const load = signLoad(first.url, logKey, 2, "ro");
      await load.until(() => load.out.bundles.length >= 10, 20_000);
      const out = await load.stop();
      await first.stop();
      execFileSync("mount", ["-o", "remount,ro", dataDir], { stdio: "pipe" });
      let outcome: string;
      try {
        const ro = await startTestServer({ "log-level": "warn" }, dataDir);
        const r = await signOnce(ro.url, Buffer.from("read-only"), "dsse");
        outcome = `started; Sign answered ${r?.status} ${JSON.stringify(r?.json)}`;
        expect(r?.status).toBe(503);
        await ro.stop();
      } catch (err) {
        outcome = `refused to start: ${(err as Error).message}`;
        expect(err).toBeInstanceOf(Error);
      }
      console.log(`[faults] read-only data directory at start: ${outcome}`);
      execFileSync("mount", ["-o", "remount,rw", dataDir], { stdio: "pipe" });
      expect(integrityCheck(dataDir)).toBe("ok");
      const again = await startTestServer({ "log-level": "warn" }, dataDir);
      cleanups.push(() => again.stop());
      await expectIntact(again.url, [out]);
      expect((await signOnce(again.url, Buffer.from("writable again"), "message"))?.status).toBe(200);
    },
    60_000,
  );
});

describe("clock steps back", () => {
  it("log level (the log's clock option): integrated times never go backwards, also across a reopen", async () => {
    const t = tempDir();
    cleanups.push(() => rmSync(t, { recursive: true, force: true }));
    const signer = makeSigner();
    let now = Date.parse("2030-01-01T12:00:00Z");
    const clock = () => now;
    let log = await EmbeddedTransparencyLog.open({ dataDir: t, signer, origin: "clock.certus.example", clock });
    const times: number[] = [];
    let n = 0;
    const append = async () => times.push((await log.append(request(n++))).integratedTime);
    await append();
    now -= 3600_000; // NTP steps the clock back an hour
    await append();
    now = Number.NaN; // a broken clock
    await append();
    now = Date.parse("2030-01-01T12:00:00Z") - 86_400_000;
    await Promise.all([append(), append(), append()]);
    await log.close();
    // Reopened with the clock still a day behind: the stored times are the floor.
    log = await EmbeddedTransparencyLog.open({ dataDir: t, signer, origin: "clock.certus.example", clock });
    cleanups.push(() => log.close());
    await append();
    now = Date.parse("2030-01-01T12:00:05Z");
    await append();
    expect(times.slice(0, -1).every((v) => v === Date.parse("2030-01-01T12:00:00Z") / 1000)).toBe(true);
    expect(times.at(-1)).toBe(Date.parse("2030-01-01T12:00:05Z") / 1000);
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
  });

  /**
   * Signs with the process clock 2 h ahead, then steps it back (1 h, then to the real time). Only
   * Date is faked (timers run normally), before the server starts, so the log, the CA and the TSA
   * all read the fake clock, as they would read a system clock that NTP steps back.
   */
  async function signAcrossClockStep(): Promise<{ times: number[]; verdicts: string[] }> {
    const real = Date.now();
    vi.useFakeTimers({ toFake: ["Date"], now: real + 2 * 3600_000, shouldAdvanceTime: true });
    cleanups.push(() => vi.useRealTimers());
    const srv = await startTestServer({ "log-level": "warn" });
    cleanups.push(() => srv.stop());
    const signed: { integratedTime: number; bundle: ReceivedBundle; clock: string }[] = [];
    const sign = async (label: string) => {
      const artifact = Buffer.from(`clock ${label} ${signed.length}`);
      const r = await signOnce(srv.url, artifact, "message");
      expect(r?.status, JSON.stringify(r?.json)).toBe(200);
      const b = received(r!.json, artifact, "message", srv.url);
      signed.push({ integratedTime: Number(b.bundle.verificationMaterial.tlogEntries[0].integratedTime), bundle: b, clock: label });
    };
    await sign("2 h ahead");
    await sign("2 h ahead");
    vi.setSystemTime(real + 3600_000);
    await sign("stepped back to 1 h ahead");
    vi.setSystemTime(real);
    await sign("stepped back to real time");
    const verify = stockVerifier(await fetchTrustedRoot(srv.url));
    const verdicts = signed.map((s) => {
      try {
        verify(s.bundle);
        return `${s.clock}: verifies`;
      } catch (err) {
        return `${s.clock}: ${(err as Error).message}`;
      }
    });
    const times = signed.map((s) => s.integratedTime);
    console.log(
      `[faults] clock steps back 2 h in two steps (real time ${new Date(real).toISOString()}): integrated times ` +
        `${times.map((t) => new Date(t * 1000).toISOString()).join(", ")}; stock verification: ${verdicts.join("; ")}`,
    );
    return { times, verdicts };
  }

  it("server level (the process clock faked with vi.useFakeTimers, no test-only product code): integrated times never go backwards", async () => {
    const { times } = await signAcrossClockStep();
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
  }, 60_000);

  // The CA, the service identity, the TSA and the log share one non-decreasing clock
  // (src/sigstore/embedded/service-clock.ts), so a certificate, a timestamp and an integrated time
  // made after a step back still agree with each other.
  it("server level: bundles signed after the clock stepped back still verify", async () => {
    const { verdicts } = await signAcrossClockStep();
    expect(
      verdicts.every((v) => v.endsWith(": verifies")),
      verdicts.join("\n"),
    ).toBe(true);
  }, 60_000);
});
