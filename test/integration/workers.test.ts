/**
 * `certus-trust serve --workers 2`, the real CLI: one writer process and two workers on one port.
 *
 * - Both workers answer on the one port (each response names its worker in `x-certus-worker`).
 * - Signs through both land in one log: consecutive indexes, checkpoints that are all prefixes of
 *   the latest (consistency proofs checked with the independent RFC 9162 verifier), every bundle
 *   verifies with stock @sigstore/verify, and Verify answers `verified` on both workers.
 * - SIGKILL of a worker under load: every bundle acknowledged before, during and after still
 *   verifies and is at its index, and the writer replaces the worker.
 * - SIGKILL of the writer: the workers exit; a restart on the same data directory holds every
 *   acknowledged entry. SIGTERM then drains: the server exits 0 and leaves no worker behind.
 * - Each worker's /readyz follows the writer's readiness (its log full at its quota).
 *
 * Requests go over a fresh connection each (`agent: false`): the cluster hands out connections,
 * not requests, so a pooled client would talk to one worker only.
 */
import { request } from "node:http";
import { readFileSync, rmSync } from "node:fs";
import type { KeyObject } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { spawnCliServer, tempDir, type CliServer } from "../helpers/server.js";
import {
  bundleCheckpoint,
  digestOf,
  expectConsistent,
  expectStillLogged,
  fetchLogKey,
  fetchTrustedRoot,
  readCheckpoint,
  received,
  recordedIssuer,
  stockVerifier,
  transparency,
  type ReceivedBundle,
  type SeenCheckpoint,
} from "../reliability/support.js";

const dataDir = tempDir("certus-workers-");
const servers: CliServer[] = [];
afterAll(() => {
  for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  /** `<index>:<pid>` of the worker that answered. */
  worker: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- wire JSON, checked field by field
}

/** One HTTP/1.1 call on a connection of its own; undefined when it failed in transit. */
function call(url: string, method: string, path: string, body?: unknown): Promise<Answer | undefined> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${url}${path}`,
      { method, agent: false, headers: payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {} },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode ?? 0, worker: String(res.headers["x-certus-worker"] ?? ""), json: text ? JSON.parse(text) : undefined });
          } catch {
            resolve(undefined);
          }
        });
        res.on("error", () => resolve(undefined));
      },
    );
    req.on("error", () => resolve(undefined));
    // A connection the killed worker had accepted is never answered: give up on it as a client would.
    req.setTimeout(10_000, () => req.destroy());
    req.end(payload);
  });
}

const pidOf = (worker: string) => Number(worker.split(":")[1]);

/** Whether a process is still running (a zombie awaiting its reaper counts as gone). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The workers seen answering `/readyz` over `tries` fresh connections. */
async function workersSeen(url: string, tries = 24): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < tries; i++) {
    const a = await call(url, "GET", "/readyz");
    if (a?.status === 200) seen.add(a.worker);
  }
  return seen;
}

async function start(): Promise<CliServer> {
  const cli = await spawnCliServer(["--data-dir", dataDir, "--workers", "2"]);
  servers.push(cli);
  await until("every worker is ready", async () => (await workersSeen(cli.url, 8)).size === 2);
  return cli;
}

/** Signs artifact `name` (DSSE or message signature alternately). */
async function sign(url: string, name: string, n: number): Promise<{ bundle: ReceivedBundle; worker: string } | undefined> {
  const artifact = Buffer.from(`workers test ${name}\n`);
  const format = n % 2 === 0 ? "dsse" : "message";
  const a = await call(url, "POST", "/v1/sign", {
    artifact: { digest: digestOf(artifact) },
    format: format === "dsse" ? "SIGNATURE_FORMAT_DSSE" : "SIGNATURE_FORMAT_MESSAGE_SIGNATURE",
  });
  if (a === undefined) return undefined;
  if (a.status !== 200) throw new Error(`sign answered ${a.status}: ${JSON.stringify(a.json)}`);
  return { bundle: received(a.json, artifact, format, recordedIssuer(dataDir)), worker: a.worker };
}

/** Signs continuously from `clients` clients until `stop()`; returns what was acknowledged. */
function load(url: string, tag: string, clients = 6) {
  let stopped = false;
  const acknowledged: ReceivedBundle[] = [];
  const failures: string[] = [];
  const run = async (c: number) => {
    for (let n = 0; !stopped; n++) {
      try {
        const r = await sign(url, `${tag} client ${c} #${n}`, n);
        if (r) acknowledged.push(r.bundle);
      } catch (err) {
        // A worker killed mid-call drops the connection (undefined above); an answer is never an error.
        failures.push(String(err));
      }
    }
  };
  const done = Promise.all(Array.from({ length: clients }, (_, c) => run(c)));
  return {
    acknowledged,
    failures,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

async function latest(url: string, logKey: KeyObject): Promise<SeenCheckpoint> {
  const { json } = await transparency(url, { logIndex: "0" });
  return readCheckpoint(json.checkpoint as string, logKey);
}

describe("--workers 2 (real CLI: one writer, two workers on one port)", () => {
  const all: ReceivedBundle[] = [];
  const seenCheckpoints: SeenCheckpoint[] = [];
  let cli: CliServer;
  let logKey: KeyObject;
  let verify: (b: ReceivedBundle) => void;

  it("serves from both workers; signs through both land in one log with consecutive indexes; verify works on both", async () => {
    cli = await start();
    expect(cli.output()).toMatch(/"workers":2/);
    verify = stockVerifier(await fetchTrustedRoot(cli.url));
    logKey = await fetchLogKey(cli.url);

    const results = await Promise.all(Array.from({ length: 24 }, (_, n) => sign(cli.url, `first ${n}`, n)));
    const signed = results.map((r) => r!);
    expect(new Set(signed.map((s) => s.worker)).size, "signs were answered by both workers").toBe(2);
    const indexes = signed.map((s) => s.bundle.logIndex).sort((a, b) => a - b);
    expect(indexes).toEqual(Array.from({ length: 24 }, (_, i) => i));
    const now = await latest(cli.url, logKey);
    expect(now.size).toBe(24);
    for (const s of signed) {
      verify(s.bundle);
      const cp = bundleCheckpoint(s.bundle, logKey);
      seenCheckpoints.push(cp);
      await expectConsistent(cli.url, cp, now);
      all.push(s.bundle);
    }

    // Verify through the service on both workers: every answer says verified.
    const verifiedBy = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const b = all[i]!;
      const a = await call(cli.url, "POST", "/v1/verify", {
        bundle: b.bundle,
        artifact: { digest: digestOf(b.artifact) },
        expectedSigner: { subject: "certus-trust@certus.cloud", issuer: b.issuer },
      });
      expect(a?.status).toBe(200);
      expect(a?.json.verified, JSON.stringify(a?.json)).toBe(true);
      verifiedBy.add(a!.worker);
    }
    expect(verifiedBy.size, "verify was answered by both workers").toBe(2);

    // The paths only the writer serves (TUF), forwarded by both workers.
    const tufBy = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const a = await call(cli.url, "GET", "/tuf/1.root.json");
      expect(a?.status).toBe(200);
      expect(a?.json.signed._type).toBe("root");
      tufBy.add(a!.worker);
    }
    expect(tufBy.size).toBe(2);
  });

  it("replaces a worker SIGKILLed under load; every acknowledged bundle still verifies at its index", async () => {
    const before = await workersSeen(cli.url);
    expect(before.size).toBe(2);
    const victim = [...before][0]!;
    const running = load(cli.url, "kill-worker");
    await until("signs are flowing", () => running.acknowledged.length >= 10);
    process.kill(pidOf(victim), "SIGKILL");
    const countAtKill = running.acknowledged.length;
    console.log(`[workers] killed worker ${victim} after ${countAtKill} signs`);
    await until("signs flow after the kill", () => running.acknowledged.length >= countAtKill + 20);
    await until("the writer replaced the worker", async () => {
      const now = await workersSeen(cli.url, 8);
      return now.size === 2 && !now.has(victim);
    });
    console.log(`[workers] replaced; ${running.acknowledged.length} signs acknowledged`);
    await running.stop();
    expect(running.failures).toEqual([]);
    expect(cli.output()).toMatch(/worker exited; starting a replacement/);
    const now = await latest(cli.url, logKey);
    for (const b of running.acknowledged) {
      verify(b);
      await expectStillLogged(cli.url, b);
      const cp = bundleCheckpoint(b, logKey);
      seenCheckpoints.push(cp);
      await expectConsistent(cli.url, cp, now);
    }
    all.push(...running.acknowledged);
    // One log: the indexes acknowledged so far are distinct and within the tree.
    expect(new Set(all.map((b) => b.logIndex)).size).toBe(all.length);
    expect(Math.max(...all.map((b) => b.logIndex))).toBeLessThan(now.size);
  });

  it("workers exit when the writer is SIGKILLed; a restart holds every acknowledged entry; SIGTERM drains everything", async () => {
    const workerPids = [...(await workersSeen(cli.url))].map(pidOf);
    expect(workerPids.length).toBe(2);
    const running = load(cli.url, "kill-writer");
    await until("signs are flowing", () => running.acknowledged.length >= 10);
    cli.child.kill("SIGKILL");
    await cli.exited;
    await running.stop();
    await until("no worker outlives its writer", () => workerPids.every((pid) => !alive(pid)), 10_000);
    all.push(...running.acknowledged);

    const again = await start();
    const now = await latest(again.url, logKey);
    for (const b of all) await expectStillLogged(again.url, b);
    for (const cp of seenCheckpoints) await expectConsistent(again.url, cp, now);
    for (const b of running.acknowledged) verify(b);
    expect(now.size).toBeGreaterThanOrEqual(all.length);

    const pids = [...(await workersSeen(again.url))].map(pidOf);
    again.child.kill("SIGTERM");
    expect(await again.exited).toBe(0);
    expect(again.output()).toMatch(/certus-trust stopped/);
    await until("the workers are gone after SIGTERM", () => pids.every((pid) => !alive(pid)), 5_000);
  });

  it("each worker's /readyz reports the writer's readiness (its log full at --log-max-bytes)", async () => {
    const quotaDir = tempDir("certus-workers-quota-");
    try {
      const q = await spawnCliServer(["--data-dir", quotaDir, "--workers", "2", "--log-max-bytes", String(512 * 1024)]);
      servers.push(q);
      await until("every worker is ready", async () => (await workersSeen(q.url, 8)).size === 2);
      let unavailable: Answer | undefined;
      const signer = async (c: number) => {
        for (let n = 0; unavailable === undefined; n++) {
          const a = await call(q.url, "POST", "/v1/sign", { artifact: { digest: digestOf(Buffer.from(`quota ${c} ${n}`)) } });
          if (a !== undefined && a.status !== 200) unavailable = a;
        }
      };
      await Promise.all([0, 1, 2, 3].map(signer));
      expect(unavailable?.status).toBe(503);
      expect(unavailable?.json.message).toMatch(/transparency-log: .*full/);
      // Both workers now answer not ready, naming the writer's component.
      const notReady = new Set<string>();
      await until("both workers report the full log", async () => {
        const a = await call(q.url, "GET", "/readyz");
        if (a?.status === 503 && JSON.stringify(a.json).includes("transparency-log")) notReady.add(a.worker);
        // A smaller entry still in flight when the first 503 came may have fit, and a log that
        // took a write is not full: fill it again, as the next caller would.
        if (a?.status === 200) await call(q.url, "POST", "/v1/sign", { artifact: { digest: digestOf(Buffer.from(`quota again ${Date.now()}`)) } });
        return notReady.size === 2;
      });
      q.child.kill("SIGTERM");
      expect(await q.exited).toBe(0);
    } finally {
      rmSync(quotaDir, { recursive: true, force: true });
    }
  });
});
