/**
 * `certus-trust serve --workers N` (N > 1): one writer process and N worker processes on one port.
 *
 * Design (docs/architecture.md, "Workers"):
 * - The primary process is the single writer (`writer.ts`): it owns the embedded stack (SQLite
 *   transparency log, CT log, CA, TSA, TUF) and the file state store, and serves no client.
 * - N workers (`worker.ts`), forked with `node:cluster`, serve the port: the primary holds the
 *   listening socket and hands connections to workers round-robin (Node's default on Linux).
 *   Measured here with 4 connections to 2 workers, 20 trials each: round-robin split them 2/2 in
 *   18 trials and 3/1 in 2; `reusePort` (kernel hashing of the client port) 2/2 in 4, 3/1 in 11
 *   and 4/0 — one worker idle — in 5. With a few long-lived HTTP/2 connections that decides the
 *   load. Workers sign, verify and answer RPCs; writes and log reads
 *   go to the writer over IPC, so the log keeps one group commit (one fsync per batch) and the
 *   audit chain one head, and a worker acknowledges a Sign only once the writer confirmed its
 *   entry committed and fsynced.
 * - Lifecycle: a worker that exits is logged and replaced (after a back-off if it keeps dying
 *   young); a worker whose writer is gone exits (no orphans); SIGTERM/SIGINT drains the workers
 *   first, then closes the writer; a worker that fails while the server starts fails the start;
 *   SIGHUP (reload the policy file) is passed on to every worker.
 *
 * Port 0 is resolved to a free port before the writer composes: the URL is the embedded CA's
 * default issuer, and every worker must report the same one.
 */
import cluster, { type Worker } from "node:cluster";
import { createServer } from "node:net";
import type { TrustConfig } from "../config/config.js";
import type { Logger } from "../logger.js";
import { isClusterMessage } from "./protocol.js";
import { Writer } from "./writer.js";

/** Environment variable telling a forked process which worker it is (not a configuration key). */
export const WORKER_INDEX_ENV = "CERTUS_CLUSTER_WORKER";
/** A worker that dies younger than this is restarted after a growing back-off. */
const YOUNG_DEATH_MS = 5_000;
const MAX_BACKOFF_MS = 10_000;

/** A free TCP port on `host` (the kernel's pick), released again for the cluster to bind. */
async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** A running multi-process server, as `serve` controls it. */
export interface ClusterServer {
  readonly url: string;
  /** Drains the workers, then stops the writer. */
  close(): Promise<void>;
}

/** Starts the writer and `config.workers` workers; resolves once every worker serves the port. */
export async function startCluster(config: TrustConfig, log: Logger): Promise<ClusterServer> {
  const port = config.port === 0 ? await freePort(config.host) : config.port;
  const tls = Boolean(config.tlsCert && config.tlsKey);
  const hostForUrl = config.host.includes(":") ? `[${config.host}]` : config.host;
  const url = config.publicUrl || `${tls ? "https" : "http"}://${hostForUrl}:${port}`;
  const workers = new Map<number, Worker>();
  const writerLog = log.child({ worker: "writer" });
  cluster.setupPrimary({ serialization: "advanced" });
  const writer = await Writer.open(config, url, port, writerLog, () => workers.values());
  let stopping = false;
  let started = false;
  let failStart: (err: Error) => void = () => {};
  let listeningCount = 0;
  let allListening: () => void = () => {};
  const startedPromise = new Promise<void>((resolve, reject) => {
    allListening = resolve;
    failStart = reject;
  });
  const serving = new WeakSet<Worker>();
  const deaths = new Map<number, number>();
  const bornAt = new Map<number, number>();
  const fork = (index: number) => {
    const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(index) });
    workers.set(index, worker);
    bornAt.set(index, Date.now());
    worker.on("message", (message: unknown) => {
      if (!isClusterMessage(message)) return;
      if (message.kind === "listening") {
        serving.add(worker);
        if (!started && ++listeningCount === config.workers) allListening();
        else if (started) writerLog.info({ worker: index, pid: worker.process.pid }, "replacement worker serving");
        return;
      }
      writer.handle(worker, message);
    });
    worker.on("exit", (code, signal) => {
      if (workers.get(index) === worker) workers.delete(index);
      if (stopping) return;
      if (!started) {
        failStart(new Error(`worker ${index} exited (code ${String(code)}, signal ${signal}) while the server was starting`));
        return;
      }
      const young = Date.now() - (bornAt.get(index) ?? 0) < YOUNG_DEATH_MS;
      const n = young ? (deaths.get(index) ?? 0) + 1 : 0;
      deaths.set(index, n);
      const delay = n === 0 ? 0 : Math.min(MAX_BACKOFF_MS, 100 * 2 ** n);
      writerLog.error({ worker: index, pid: worker.process.pid, code, signal, restartInMs: delay }, "worker exited; starting a replacement");
      setTimeout(() => {
        if (!stopping) fork(index);
      }, delay).unref();
    });
  };
  const stopWorkers = async () => {
    stopping = true;
    const exits = [...workers.values()].map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.isDead()) {
            resolve();
            return;
          }
          w.once("exit", () => resolve());
          w.process.kill("SIGTERM");
          // A worker stuck past its grace period is killed: the writer must still close cleanly.
          setTimeout(() => w.process.kill("SIGKILL"), config.shutdownGraceMs + 5_000).unref();
        }),
    );
    await Promise.all(exits);
  };
  // SIGHUP reloads the policy file (policy/store.ts): the workers, which judge with it, get it too.
  // Only to workers serving already: before its policy store listens, SIGHUP would end a process.
  const forwardHup = () => {
    for (const w of workers.values()) if (serving.has(w)) w.process.kill("SIGHUP");
  };
  process.on("SIGHUP", forwardHup);
  for (let i = 1; i <= config.workers; i++) fork(i);
  try {
    await startedPromise;
  } catch (err) {
    process.off("SIGHUP", forwardHup);
    await stopWorkers();
    await writer.close();
    throw err;
  }
  started = true;
  const checkpoint = writer.app.embedded?.log.latestCheckpoint();
  log.info(
    {
      url,
      host: config.host,
      port,
      dataDir: config.dataDir,
      mode: config.mode,
      stateStore: config.stateStore,
      tls,
      identity: writer.info.identity,
      logSize: checkpoint?.treeSize,
      workers: config.workers,
      pid: process.pid,
      workerPids: [...workers.values()].map((w) => w.process.pid),
    },
    "certus-trust listening",
  );
  return {
    url,
    async close() {
      process.off("SIGHUP", forwardHup);
      writer.app.beginShutdown();
      await stopWorkers();
      await writer.close();
      log.info("certus-trust stopped");
    },
  };
}
