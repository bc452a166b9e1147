/**
 * Starts the service: listen on the one port, compose the service (`compose.ts`), serve it.
 * Listening comes first so an ephemeral port is known (it is the default issuer of the embedded
 * CA) and probes get an answer while the stack opens; until the composed service is attached,
 * every request but the probes gets 503. Building is separate from the process entry (`main.ts`)
 * so tests start a real server on an ephemeral port in-process.
 */
import { readFileSync } from "node:fs";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { presetCallEndReason } from "./call-end-reason.js";
import { checkedMessageOf } from "./proto-precheck.js";
import { REQUEST_BYTES } from "../rpc/request-bytes.js";
import { TrustService } from "@certus/trust-sdk";
import { Health } from "@certus/trust-sdk/gen/grpc/health/v1/health_pb";
import type { TrustConfig } from "../config/config.js";
import { sectionsOf, type LimitsConfig, type ServerConfig } from "../config/sections.js";
import { sendJsonError } from "../http/reply.js";
import type { Logger } from "../logger.js";
import type { EmbeddedStack } from "../sigstore/embedded/stack.js";
import type { SigningBackend } from "../sigstore/signing-backend.js";
import { compose, type ComposedService, type ServicePorts } from "./compose.js";
import { HealthState } from "./health.js";
import { createHttpHandler, notFoundFallback } from "./http-handler.js";
import { OnePortListener } from "./listener.js";
import { unaryInputs } from "./proto-precheck.js";

/** A running server. */
export interface TrustServer {
  /** The base URL clients use (the configured public URL, or the bound address). */
  readonly url: string;
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** The port instances the handlers run on. */
  readonly ports: ServicePorts;
  /** The embedded Sigstore stack (tests and key tools); throws a TypeError with `mode: sigstore`, which has none. */
  readonly stack: EmbeddedStack;
  /** What the service signs through (the embedded stack, or external Sigstore services). */
  readonly backend: SigningBackend;
  readonly health: HealthState;
  /** Graceful shutdown: see `OnePortListener.close`. */
  close(): Promise<void>;
}

/** The Connect adapter (Connect, gRPC, gRPC-Web) over the composed routes. */
function connectHandler(app: ComposedService, limits: LimitsConfig) {
  return connectNodeAdapter({
    routes: app.routes,
    fallback: notFoundFallback as never,
    readMaxBytes: limits.maxBodyBytes,
    // The largest response held in memory: pages are bounded far below it (512 KiB of entries).
    writeMaxBytes: 16 * 1024 * 1024,
    // Outermost first: metrics see the final code, the call line names the caller that auth sets.
    interceptors: app.interceptors,
    // The request's bytes, when the precheck read them, for handlers that pass parts on as bytes.
    contextValues: (req) => app.auth.contextValues(req).set(REQUEST_BYTES, checkedMessageOf(req)),
    // Every call ends with an abort of its context; this one gives it a reason made once.
    requestGate: presetCallEndReason,
    // Strict JSON: a misspelt field (say `expectedSigner` as `expectedsigner`) must not be
    // silently dropped, since that could make a verification laxer than the caller meant.
    // Implicit values are written out: `"verified": false` and `"logIndex": "0"` must be visible
    // to JSON callers, and bundles then carry every field stock Sigstore clients expect.
    jsonOptions: { ignoreUnknownFields: false, alwaysEmitImplicit: true },
    // Bundles are a few KiB of mostly base64: gzip costs more CPU than it saves on the links
    // this service runs on. Compressed requests are still accepted.
    compressMinBytes: 1024 * 1024,
    grpc: true,
    grpcWeb: true,
    connect: true,
  });
}

/** A bound listener that answers probes, and 503 for everything else until a service is attached. */
export interface Listening {
  readonly url: string;
  readonly address: { address: string; port: number };
  readonly tls: boolean;
  /** Serves `app` from now on (once). */
  attach(app: ComposedService): void;
  close(graceMs: number): Promise<void>;
}

/** What listening needs: the server and limits sections, and the public URL when one is set. */
export interface ListenConfig {
  readonly server: ServerConfig;
  readonly limits: LimitsConfig;
  /** The URL clients use; empty: the bound address. */
  readonly publicUrl: string;
  /** Headers set on every response (a worker of a multi-process server names itself: `x-certus-worker`). */
  readonly responseHeaders?: Readonly<Record<string, string>>;
}

/** Binds the port; see {@link Listening}. */
export async function listen({ server: config, limits, publicUrl, responseHeaders }: ListenConfig, log: Logger, health: HealthState): Promise<Listening> {
  const starting = (_req: unknown, res: never) => sendJsonError(res, 503, "unavailable", "the service is starting; retry shortly", { "retry-after": "1" });
  let serve: (req: never, res: never) => void = starting;
  const tls =
    config.tlsCert && config.tlsKey
      ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey), ...(config.tlsClientCa ? { clientCa: readFileSync(config.tlsClientCa) } : {}) }
      : undefined;
  const probesFirst = createHttpHandler({ connect: (req, res) => serve(req, res), health, corsOrigins: config.corsOrigins });
  let handler = probesFirst;
  const listener = new OnePortListener({
    host: config.host,
    port: config.port,
    handler: responseHeaders
      ? (req, res) => {
          for (const [k, v] of Object.entries(responseHeaders)) res.setHeader(k, v);
          handler(req, res);
        }
      : (req, res) => handler(req, res),
    log,
    ...(tls ? { tls } : {}),
    timeouts: { headersMs: config.headersTimeoutMs, requestMs: config.requestTimeoutMs, idleMs: config.idleTimeoutMs },
  });
  const addr = await listener.listen();
  const hostForUrl = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: publicUrl || `${tls ? "https" : "http"}://${hostForUrl}:${addr.port}`,
    address: addr,
    tls: tls !== undefined,
    attach(app) {
      if (serve !== starting) throw new TypeError("a service is already attached");
      serve = connectHandler(app, limits);
      handler = createHttpHandler({
        connect: serve,
        health,
        corsOrigins: config.corsOrigins,
        extraPaths: app.paths,
        maxBodyBytes: limits.maxBodyBytes,
        unaryInputs: unaryInputs([TrustService, Health]),
      });
    },
    close: (graceMs) => listener.close(graceMs),
  };
}

export async function startTrustServer(config: TrustConfig, log: Logger): Promise<TrustServer> {
  if (config.insecureAllowAnonymous && config.auth.length === 0) {
    log.warn({ host: config.host }, "no authentication is configured and --insecure-allow-anonymous is set: anyone who can reach this port can call every RPC");
  }
  const health = new HealthState([TrustService.typeName]);
  const sections = sectionsOf(config);
  const listening = await listen({ server: sections.server, limits: sections.limits, publicUrl: sections.service.publicUrl }, log, health);
  let app: ComposedService;
  try {
    app = await compose(config, { url: listening.url, log, health });
  } catch (err) {
    await listening.close(0);
    throw err;
  }
  listening.attach(app);
  const { url } = listening;
  const checkpoint = app.embedded?.log.latestCheckpoint();
  log.info(
    {
      url,
      host: listening.address.address,
      port: listening.address.port,
      dataDir: config.dataDir,
      mode: config.mode,
      stateStore: config.stateStore,
      tls: listening.tls,
      identity: app.ports.signing.signer.identity,
      logSize: checkpoint?.treeSize,
    },
    "certus-trust listening",
  );
  return {
    url,
    port: listening.address.port,
    ports: app.ports,
    get stack(): EmbeddedStack {
      if (app.embedded === undefined) throw new TypeError('the server runs with mode "sigstore": there is no embedded stack');
      return app.embedded;
    },
    backend: app.ports.signing,
    health,
    async close() {
      app.beginShutdown();
      await listening.close(sections.server.shutdownGraceMs);
      await app.close();
      log.info("certus-trust stopped");
    },
  };
}
