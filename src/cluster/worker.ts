/**
 * A worker process of a multi-process server: it serves the one port (Connect, gRPC, gRPC-Web,
 * REST, the console, metrics, MCP) with the service composed on the writer's ports
 * (`compose.ts`, `RemoteWriter`). Signing crypto and verification run here; every write and every
 * log read goes to the writer; TUF and the Sigstore-compatible paths are forwarded to it.
 *
 * Lifecycle: it asks the writer for its `hello` (trust material, URL, port), composes, listens
 * (node:cluster shares the writer's listening socket), then says `listening`. When the writer
 * goes away (the IPC channel closes: it died, even by SIGKILL) the worker exits at once, so no
 * worker outlives its writer. On SIGTERM/SIGINT it drains its connections and exits; the writer
 * closes the log only after every worker has.
 */
import type { TrustConfig } from "../config/config.js";
import { sectionsOf } from "../config/sections.js";
import type { Logger } from "../logger.js";
import { compose, type ComposedService } from "../server/compose.js";
import { HealthState } from "../server/health.js";
import { listen } from "../server/server.js";
import type { SigningConfigJson } from "../sigstore/embedded/tuf/signing-config.js";
import { TrustService } from "@certus/trust-sdk";
import { forwardPathsHandler } from "./forward-paths.js";
import { TAG, type WriterInfo } from "./protocol.js";
import { RemoteLog } from "./remote-log.js";
import { remoteSigningBackend } from "./remote-signing-backend.js";
import { remoteStateStore } from "./remote-state-store.js";
import { WriterChannel, type IpcEndpoint } from "./writer-channel.js";

/** Header naming the process that answered (tests and operators see which worker served). */
export const WORKER_HEADER = "x-certus-worker";

/** Verification threads per worker: the configured count shared out, at least one when on. */
export function verifyThreadsPerWorker(verifyWorkers: number, workers: number): number {
  return verifyWorkers === 0 ? 0 : Math.max(1, Math.floor(verifyWorkers / workers));
}

/** Runs this process as worker `index`; resolves when it has stopped. */
export async function runWorker(config: TrustConfig, index: number, log: Logger): Promise<void> {
  const ipc = process as unknown as IpcEndpoint;
  const writer = new WriterChannel(ipc);
  process.on("disconnect", () => {
    log.error("the writer process is gone: exiting");
    process.exit(1);
  });
  const info = await new Promise<WriterInfo>((resolve) => {
    const unsubscribe = writer.subscribe((m) => {
      if (m.kind !== "hello") return;
      unsubscribe();
      resolve(m.info);
    });
    writer.notify({ tag: TAG, kind: "hello" });
  });
  const workerConfig: TrustConfig = { ...config, port: info.port, verifyWorkers: verifyThreadsPerWorker(config.verifyWorkers, config.workers) };
  const sections = sectionsOf(workerConfig);
  const health = new HealthState([TrustService.typeName]);
  const listening = await listen(
    { server: sections.server, limits: sections.limits, publicUrl: info.url, responseHeaders: { [WORKER_HEADER]: `${index}:${process.pid}` } },
    log,
    health,
  );
  const remoteLog = new RemoteLog(writer);
  const signing = remoteSigningBackend(writer, info, remoteLog);
  const app: ComposedService = await compose(workerConfig, {
    url: info.url,
    log,
    health,
    remote: {
      signing,
      log: remoteLog,
      state: config.stateStore === "postgres" ? undefined : remoteStateStore(writer),
      signingConfig: info.signingConfig as unknown as SigningConfigJson,
      baseUrl: info.baseUrl,
      paths: [forwardPathsHandler(info.pathsSocket, log)],
    },
  });
  listening.attach(app);
  writer.notify({ tag: TAG, kind: "listening", url: info.url });
  log.debug({ url: info.url }, "worker serving");
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, "worker draining");
      app.beginShutdown();
      void listening
        .close(config.shutdownGraceMs)
        .then(() => app.close())
        .catch((err: unknown) => log.error({ err }, "worker shutdown failed"))
        .finally(resolve);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
}
