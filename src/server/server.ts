/**
 * Builds the server from a resolved configuration and starts listening. Building is separate
 * from the process entry (`main.ts`) so tests start a real server on an ephemeral port in-process.
 */
import { readFileSync } from "node:fs";
import { create } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { GetKeysResponseSchema, TrustService, file_certus_trust_v1_trust_service } from "@certus/trust-sdk";
import { file_grpc_health_v1_health } from "@certus/trust-sdk/gen/grpc/health/v1/health_pb";
import { file_grpc_reflection_v1_reflection } from "@certus/trust-sdk/gen/grpc/reflection/v1/reflection_pb";
import { file_grpc_reflection_v1alpha_reflection } from "@certus/trust-sdk/gen/grpc/reflection/v1alpha/reflection_pb";
import type { TrustConfig } from "../config.js";
import type { Logger } from "../logger.js";
import { createTrustServiceImpl } from "../service/trust-service.js";
import { HealthState, ServingStatus, registerHealth } from "./health.js";
import { createHttpHandler, notFoundFallback } from "./http-handler.js";
import { callInterceptor } from "./interceptors.js";
import { OnePortListener } from "./listener.js";
import { ReflectionIndex, registerReflection } from "./reflection.js";

/** A running server. */
export interface TrustServer {
  /** The base URL clients use (the configured public URL, or the bound address). */
  readonly url: string;
  /** The bound port (useful with port 0). */
  readonly port: number;
  readonly health: HealthState;
  /** Graceful shutdown: see `OnePortListener.close`. */
  close(): Promise<void>;
}

const SERVICE_NAMES = [TrustService.typeName, "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"];

export async function startTrustServer(config: TrustConfig, log: Logger): Promise<TrustServer> {
  if (!config.insecureAllowAnonymous) {
    // resolveConfig already refused a non-loopback host; nothing to warn about.
  } else {
    log.warn({ host: config.host }, "no authentication is configured and --insecure-allow-anonymous is set: anyone who can reach this port can call every RPC");
  }
  const health = new HealthState([TrustService.typeName]);
  const reflection = new ReflectionIndex(
    [file_certus_trust_v1_trust_service, file_grpc_health_v1_health, file_grpc_reflection_v1_reflection, file_grpc_reflection_v1alpha_reflection],
    SERVICE_NAMES,
  );
  const impl = createTrustServiceImpl({
    getKeys: () => create(GetKeysResponseSchema, {}),
  });
  const routes = (router: ConnectRouter) => {
    router.service(TrustService, impl);
    registerHealth(router, health);
    registerReflection(router, reflection);
  };
  const connect = connectNodeAdapter({
    routes,
    fallback: notFoundFallback as never,
    readMaxBytes: config.maxBodyBytes,
    writeMaxBytes: 64 * 1024 * 1024,
    interceptors: [callInterceptor(log, config.defaultDeadlineMs)],
    // Strict JSON: a misspelt field (say `expectedSigner` as `expectedsigner`) must not be
    // silently dropped, since that could make a verification laxer than the caller meant.
    jsonOptions: { ignoreUnknownFields: false },
    grpc: true,
    grpcWeb: true,
    connect: true,
  });
  const handler = createHttpHandler({ connect, health, corsOrigins: config.corsOrigins });
  const tls = config.tlsCert && config.tlsKey ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) } : undefined;
  const listener = new OnePortListener({ host: config.host, port: config.port, handler, log, ...(tls ? { tls } : {}) });
  const addr = await listener.listen();
  const hostForUrl = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  const url = config.publicUrl || `${tls ? "https" : "http"}://${hostForUrl}:${addr.port}`;
  health.setAll(ServingStatus.SERVING);
  log.info({ url, host: addr.address, port: addr.port, dataDir: config.dataDir, mode: config.mode, tls: tls !== undefined }, "certus-trust listening");
  return {
    url,
    port: addr.port,
    health,
    async close() {
      health.setAll(ServingStatus.NOT_SERVING);
      await listener.close(config.shutdownGraceMs);
      log.info("certus-trust stopped");
    },
  };
}
