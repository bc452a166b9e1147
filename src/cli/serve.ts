/**
 * `certus-trust serve`: resolve the configuration once, start the server, stop gracefully on
 * SIGTERM/SIGINT (a second signal exits at once).
 */
import cluster from "node:cluster";
import { mkdirSync } from "node:fs";
import { parseArgs } from "node:util";
import { OPTIONS, optionsHelp, resolveConfig } from "../config/config.js";
import { createLogger } from "../logger.js";
import { startTrustServer } from "../server/server.js";

export const SERVE_USAGE = `Usage: certus-trust serve [options]

Starts Certus-Trust: Connect, gRPC, gRPC-Web and REST on one port, on the embedded Sigstore stack.
Options (flags > environment > --config file > defaults):
${optionsHelp()}
  --help                   this text`;

export async function serve(argv: string[]): Promise<number> {
  const options: Record<string, { type: "string" | "boolean" }> = { config: { type: "string" }, help: { type: "boolean" } };
  for (const o of OPTIONS) options[o.flag] = { type: o.kind === "bool" ? "boolean" : "string" };
  const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  if (values["help"]) {
    console.log(SERVE_USAGE);
    return 0;
  }
  const flags: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(values)) flags[k] = typeof v === "boolean" ? String(v) : v;
  const config = resolveConfig(flags);
  const log = createLogger(config.logLevel);
  // A process forked by the cluster supervisor: serve as that worker (src/cluster/worker.ts).
  // (The cluster modules load only when used: one process starts exactly as before.)
  if (cluster.isWorker) {
    const { runWorker } = await import("../cluster/worker.js");
    const { WORKER_INDEX_ENV } = await import("../cluster/supervisor.js");
    const index = Number(process.env[WORKER_INDEX_ENV] ?? "0");
    await runWorker(config, index, log.child({ worker: index, pid: process.pid }));
    return 0;
  }
  // `--workers N`: a writer process and N workers on the port. Mode sigstore has no embedded
  // stack to share: its upstreams take the writes, and it runs as one process.
  const multiProcess = config.workers > 1 && config.mode === "embedded";
  if (config.workers > 1 && !multiProcess) log.info({ workers: config.workers }, "--workers applies to mode embedded; serving from one process");
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  // Signal handlers go in before start-up, so a SIGTERM that arrives while the stack opens
  // still shuts down cleanly instead of killing the process.
  let server: { close(): Promise<void> } | undefined = undefined; // set once listening; read by stop()
  let stopRequested: NodeJS.Signals | undefined;
  let stopping = false;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    if (server === undefined) {
      stopRequested = signal;
      return;
    }
    stopping = true;
    log.info({ signal, graceMs: config.shutdownGraceMs }, "shutting down: finishing in-flight calls");
    server.close().then(done, (err: unknown) => {
      log.error({ err }, "shutdown failed");
      done();
    });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  server = multiProcess ? await (await import("../cluster/supervisor.js")).startCluster(config, log) : await startTrustServer(config, log);
  if (stopRequested !== undefined) stop(stopRequested);
  await finished;
  return 0;
}
