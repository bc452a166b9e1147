/**
 * The writer: the primary process of a multi-process server. It composes the service exactly as
 * one process would (`server/compose.ts`: the embedded stack with its SQLite log, CT log, CA, TSA
 * and TUF repository, and the file state store), but serves no client itself. Instead it
 *
 * - answers its workers' port calls ({@link CALLABLE}) on the IPC channel: appends, reads,
 *   certificates, timestamps and state records all go through this one process, so the log's
 *   group commit still makes one fsync per batch (concurrent appends from every worker land in
 *   the same batch) and the audit chain has one head;
 * - pushes each durable checkpoint and each change of readiness to every worker;
 * - serves, on a private unix socket (0600, in the data directory), the paths only the stack can
 *   answer — the TUF repository and the Sigstore-compatible endpoints — which workers forward.
 *   The client's address crosses in a header honoured only on that socket (see `forward-paths.ts`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { chmod } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Worker } from "node:cluster";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TrustConfig } from "../config/config.js";
import { sendJsonError } from "../http/reply.js";
import type { Logger } from "../logger.js";
import { compose, type ComposedService } from "../server/compose.js";
import { HealthState } from "../server/health.js";
import { TrustService } from "@certus/trust-sdk";
import { CALLABLE, TAG, toWireError, type CallMessage, type Target, type WriterInfo, type WriterMessage, type WriterStatus } from "./protocol.js";

/** Longest unix socket path Linux accepts (sun_path is 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;
/** How often the TUF root version is re-read (it moves when the repository re-signs its root). */
const TUF_POLL_MS = 60_000;

export class Writer {
  private constructor(
    readonly app: ComposedService,
    readonly info: WriterInfo,
    private readonly pathsServer: Server,
    private readonly socketDir: string | undefined,
    private readonly stopFollowing: () => void,
    private readonly workers: () => Iterable<Worker>,
  ) {}

  /**
   * Composes the service for `url` (the port is already resolved), opens the paths socket and
   * starts pushing checkpoints and readiness to `workers()`.
   */
  static async open(config: TrustConfig, url: string, port: number, log: Logger, workers: () => Iterable<Worker>): Promise<Writer> {
    // Verification runs in the workers; the writer needs no verification threads.
    const app = await compose({ ...config, verifyWorkers: 0 }, { url, log, health: new HealthState([TrustService.typeName]) });
    const stack = app.embedded;
    if (stack === undefined) {
      await app.close();
      throw new TypeError("the writer needs the embedded stack (mode embedded)");
    }
    let socketDir: string | undefined;
    let socketPath = path.join(config.dataDir, "writer-paths.sock");
    if (socketPath.length > MAX_SOCKET_PATH) {
      socketDir = mkdtempSync(path.join(tmpdir(), "certus-trust-"));
      socketPath = path.join(socketDir, "writer-paths.sock");
    }
    rmSync(socketPath, { force: true });
    const pathsServer = createServer((req, res) => void servePath(app, req, res, log));
    try {
      await new Promise<void>((resolve, reject) => {
        pathsServer.once("error", reject);
        pathsServer.listen(socketPath, () => resolve());
      });
      await chmod(socketPath, 0o600);
    } catch (err) {
      await app.close();
      throw err;
    }
    const status = (): WriterStatus => ({ components: app.ports.signing.readiness(), tufRootVersion: stack.tuf.rootVersion });
    const broadcast = (message: WriterMessage) => {
      for (const w of workers()) send(w, message);
    };
    let lastRoot = stack.tuf.rootVersion;
    const pushStatus = () => broadcast({ tag: TAG, kind: "status", status: status() });
    const unwatchLog = app.ports.log.watch((event) => broadcast({ tag: TAG, kind: "checkpoint", event }));
    const unwatchReadiness = app.ports.signing.onReadinessChange(pushStatus);
    const tufTimer = setInterval(() => {
      if (stack.tuf.rootVersion !== lastRoot) {
        lastRoot = stack.tuf.rootVersion;
        pushStatus();
      }
    }, TUF_POLL_MS);
    tufTimer.unref();
    const info: WriterInfo = {
      url,
      port,
      pathsSocket: socketPath,
      trustedRoot: app.ports.trustRoot.current(),
      signingConfig: stack.signingConfig as unknown as Readonly<Record<string, unknown>>,
      baseUrl: stack.instance.baseUrl,
      publishedKeys: app.ports.trustRoot.publishedKeys(),
      identity: app.ports.signing.signer.identity,
      issuer: app.ports.signing.signer.issuer,
      status: status(),
    };
    const stopFollowing = () => {
      unwatchLog();
      unwatchReadiness();
      clearInterval(tufTimer);
    };
    return new Writer(app, { ...info, status: status() }, pathsServer, socketDir, stopFollowing, workers);
  }

  /** Answers one message from a worker: its hello, or a port call. */
  handle(worker: Worker, message: { kind: string }): void {
    if (message.kind === "hello") {
      send(worker, { tag: TAG, kind: "hello", info: { ...this.info, status: this.#status() } });
      return;
    }
    if (message.kind === "call") void this.#call(worker, message as CallMessage);
  }

  #status(): WriterStatus {
    return { components: this.app.ports.signing.readiness(), tufRootVersion: this.app.embedded?.tuf.rootVersion ?? 1 };
  }

  async #call(worker: Worker, call: CallMessage): Promise<void> {
    try {
      const target = this.#target(call.target);
      if (!CALLABLE[call.target].includes(call.method)) throw new TypeError(`${call.target}.${call.method} cannot be called from a worker`);
      const fn = target[call.method];
      if (typeof fn !== "function") throw new TypeError(`${call.target}.${call.method} is not a method`);
      // The result is sent only once the port resolved: for a write, once it is durable.
      const value: unknown = await (fn as (...args: unknown[]) => unknown).apply(target, [...call.args]);
      send(worker, { tag: TAG, kind: "reply", id: call.id, ok: true, value });
    } catch (err) {
      send(worker, { tag: TAG, kind: "reply", id: call.id, ok: false, error: toWireError(err) });
    }
  }

  #target(target: Target): Record<string, unknown> {
    const { ports, embedded } = this.app;
    const targets: Record<Target, object | undefined> = {
      log: ports.log,
      audit: ports.state.audit,
      permissions: ports.state.permissions,
      apiKeys: ports.state.apiKeys,
      entryIndex: ports.state.entryIndex,
      ca: embedded?.ca,
      tsa: embedded?.tsa,
    };
    const t = targets[target];
    if (t === undefined) throw new TypeError(`unknown target ${target}`);
    return t as Record<string, unknown>;
  }

  /** After the workers stopped: closes the paths socket, then the service (the log and state last). */
  async close(): Promise<void> {
    this.stopFollowing();
    await new Promise<void>((resolve) => this.pathsServer.close(() => resolve()));
    this.pathsServer.closeAllConnections();
    await this.app.close();
    if (this.socketDir) rmSync(this.socketDir, { recursive: true, force: true });
    else rmSync(this.info.pathsSocket, { force: true });
  }
}

/** Sends to a worker that may be gone (its replacement gets the next push). */
function send(worker: Worker, message: WriterMessage): void {
  if (!worker.isConnected()) return;
  try {
    worker.send(message);
  } catch {
    // The worker's channel closed between the check and the send.
  }
}

/** Serves one forwarded request with the composed paths, as the client's address. */
async function servePath(app: ComposedService, req: IncomingMessage, res: ServerResponse, log: Logger): Promise<void> {
  // FORWARDED_PEER_HEADER of forward-paths.ts (a literal key: the header object is Node's own).
  const peer = req.headers["x-certus-forwarded-peer"];
  delete req.headers["x-certus-forwarded-peer"];
  // One connection per forwarded request (the worker sends no keep-alive), so this socket is this client's.
  Object.defineProperty(req.socket, "remoteAddress", { value: typeof peer === "string" && peer ? peer : "unknown", configurable: true });
  try {
    for (const handler of app.paths) if (await handler(req, res)) return;
    sendJsonError(res, 404, "not_found", `no route for ${req.method ?? "?"} ${req.url ?? "?"}`);
  } catch (err) {
    log.error({ err, path: req.url }, "forwarded request failed");
    if (!res.headersSent) sendJsonError(res, 500, "internal", "internal error");
    else res.destroy();
  }
}
