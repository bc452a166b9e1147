/**
 * Builds the server from a resolved configuration and starts listening. Building is separate
 * from the process entry (`main.ts`) so tests start a real server on an ephemeral port in-process.
 */
import { readFileSync } from "node:fs";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { TrustService, file_certus_trust_v1_trust_service } from "@certus/trust-sdk";
import { Health, file_grpc_health_v1_health } from "@certus/trust-sdk/gen/grpc/health/v1/health_pb";
import { file_grpc_reflection_v1_reflection } from "@certus/trust-sdk/gen/grpc/reflection/v1/reflection_pb";
import { file_grpc_reflection_v1alpha_reflection } from "@certus/trust-sdk/gen/grpc/reflection/v1alpha/reflection_pb";
import type { TrustConfig } from "../config.js";
import type { Logger } from "../logger.js";
import { createGetKeysHandler } from "../service/keys.js";
import { createSignHandler } from "../service/sign.js";
import { createGetTransparencyHandler } from "../service/transparency.js";
import { createVerifyHandler } from "../service/verify.js";
import { VerifyPool } from "../verify-pool/pool.js";
import { createWatchHandler } from "../service/watch.js";
import { AuditLog } from "../state/file/audit-log.js";
import { PolicyStore } from "../policy/store.js";
import { loadTrustedRoot } from "../sigstore/verify/index.js";
import { createTrustServiceImpl } from "../service/trust-service.js";
import { EmbeddedStack } from "../sigstore/embedded/stack.js";
import { embeddedSigningBackend } from "../sigstore/embedded/signing-backend.js";
import { ExternalSigningBackend } from "../sigstore/external/backend.js";
import { sigstoreModeUnsupportedRpcs } from "../sigstore/external/sigstore-mode-rpcs.js";
import type { SigningBackend } from "../sigstore/signing-backend.js";
import { tufPathHandler } from "../sigstore/embedded/tuf/http.js";
import { createSigstoreCompatPaths } from "../sigstore/compat/index.js";
import { OidcTokenVerifier, parseIssuerEntries } from "../oidc/index.js";
import { HealthState, ServingStatus, registerHealth } from "./health.js";
import { createHttpHandler, notFoundFallback, sendJsonError, type PathHandler } from "./http-handler.js";
import { callInterceptor } from "./interceptors.js";
import { OnePortListener } from "./listener.js";
import { unaryInputs } from "./proto-precheck.js";
import { createAuthLayer } from "../auth/auth-layer.js";
import { callerIdOf } from "../auth/caller.js";
import { mcpPathHandler } from "../mcp/http.js";
import { metricsPathHandler } from "../metrics/endpoint.js";
import { metricsInterceptor } from "../metrics/interceptor.js";
import { TrustMetrics } from "../metrics/metrics.js";
import { describePolicy } from "../policy/model.js";
import { ReflectionIndex, registerReflection } from "./reflection.js";
import { createConsoleHandler } from "./ui.js";
import { certusPathHandler } from "../certus/http-paths.js";
import { createCertusIntegration } from "../certus/integration.js";

/** A running server. */
export interface TrustServer {
  /** The base URL clients use (the configured public URL, or the bound address). */
  readonly url: string;
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** The embedded Sigstore stack behind the service; throws a TypeError with `mode: sigstore`, which has none. */
  readonly stack: EmbeddedStack;
  /** What the service signs through (the embedded stack, or external Sigstore services). */
  readonly backend: SigningBackend;
  readonly health: HealthState;
  /** Graceful shutdown: see `OnePortListener.close`. */
  close(): Promise<void>;
}

const SERVICE_NAMES = [TrustService.typeName, "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"];

export async function startTrustServer(config: TrustConfig, log: Logger): Promise<TrustServer> {
  if (!config.insecureAllowAnonymous || config.auth.length > 0) {
    // resolveConfig already refused a non-loopback host; nothing to warn about.
  } else {
    log.warn({ host: config.host }, "no authentication is configured and --insecure-allow-anonymous is set: anyone who can reach this port can call every RPC");
  }
  const health = new HealthState([TrustService.typeName]);
  const reflection = new ReflectionIndex(
    [file_certus_trust_v1_trust_service, file_grpc_health_v1_health, file_grpc_reflection_v1_reflection, file_grpc_reflection_v1alpha_reflection],
    SERVICE_NAMES,
  );
  // Listen first (so an ephemeral port is known and probes get an answer), then open the stack;
  // until it is open every request but the probes gets 503 and /readyz says not ready.
  let serve: (req: never, res: never) => void = (_req, res) =>
    sendJsonError(res as never, 503, "unavailable", "the service is starting; retry shortly", { "retry-after": "1" });
  // Paths beside the RPCs; the web console needs nothing from the stack, so it is there from the start.
  const extraPaths: PathHandler[] = [createConsoleHandler()];
  const metrics = new TrustMetrics();
  const auth = createAuthLayer(config, () => metrics.rateLimited.inc());
  // /mcp needs the routes, so it is wired once the stack is open; until then it is not found.
  let mcp: PathHandler = () => false;
  extraPaths.push(metricsPathHandler(metrics, auth), (req, res) => mcp(req, res));
  // The TUF repository (public metadata, no authentication) answers once the stack is open.
  let stackOpened: EmbeddedStack | undefined;
  extraPaths.push(tufPathHandler(() => stackOpened?.tuf) as PathHandler);
  // Fulcio/Rekor/TSA-compatible endpoints (public, as upstream's are), once the stack is open.
  let sigstoreCompat: PathHandler = () => false;
  extraPaths.push((req, res) => sigstoreCompat(req, res));
  // The Certus callers' plain paths (legacy /v1/sign body, /v1/health, /v1/keys/<role>.json),
  // before the REST alias rewrite.
  extraPaths.push(certusPathHandler({ maxBodyBytes: config.maxBodyBytes, tufRead: (name) => stackOpened?.tuf?.read(name) }) as PathHandler);
  const starting = createHttpHandler({ connect: (req, res) => serve(req, res), health, corsOrigins: config.corsOrigins, extraPaths, maxBodyBytes: config.maxBodyBytes, unaryInputs: unaryInputs([TrustService, Health]) });
  const tls =
    config.tlsCert && config.tlsKey
      ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey), ...(config.tlsClientCa ? { clientCa: readFileSync(config.tlsClientCa) } : {}) }
      : undefined;
  const listener = new OnePortListener({ host: config.host, port: config.port, handler: starting, log, ...(tls ? { tls } : {}) });
  const addr = await listener.listen();
  const hostForUrl = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  const url = config.publicUrl || `${tls ? "https" : "http"}://${hostForUrl}:${addr.port}`;
  let stack: EmbeddedStack | undefined;
  let backend: SigningBackend;
  try {
    if (config.mode === "sigstore") {
      backend = await ExternalSigningBackend.open({ ...config, rekorVersion: config.rekorVersion === 2 ? 2 : 1, log });
    } else {
      stack = await EmbeddedStack.open({
        dataDir: config.dataDir, publicUrl: config.publicUrl, identity: config.identity, issuer: config.issuer || url, logMaxBytes: config.logMaxBytes,
        onTufRenewalError: (err) => log.warn({ err }, "TUF metadata could not be re-signed; retrying at the next check"),
      });
      stackOpened = stack;
      backend = embeddedSigningBackend(stack);
    }
  } catch (err) {
    await listener.close(0);
    throw err;
  }
  // The caller named by the auth interceptor (`anonymous` when authentication is off).
  const callerOf = (ctx: { values: Parameters<typeof callerIdOf>[0] }) => callerIdOf(ctx.values);
  const unfollowLog = stack ? metrics.followLog(stack.log) : () => {};
  if (stack) {
    sigstoreCompat = createSigstoreCompatPaths({
      stack, tokenVerifier: new OidcTokenVerifier({ issuers: parseIssuerEntries(config.oidcIssuers) }), serviceUrl: url, maxBodyBytes: config.maxBodyBytes, log,
    });
  }
  let policies: PolicyStore;
  let audit: AuditLog;
  let certus: ReturnType<typeof createCertusIntegration>;
  try {
    policies = new PolicyStore(config.policyFile || undefined, log);
    audit = AuditLog.open(config.dataDir, log);
    certus = stack
      ? createCertusIntegration({ config, stack, policies, serviceRoot: loadTrustedRoot(stack.trustedRoot), audit, callerOf, log })
      : { handlers: sigstoreModeUnsupportedRpcs(config.rekorUrl, config.rekorVersion), close: () => {} };
  } catch (err) {
    await backend.close();
    await listener.close(0);
    throw err;
  }
  policies.watch();
  // The service's own trust material, validated and built once.
  // (External mode: the root fetched at start; GetKeys follows TUF refreshes, Verify after a restart.)
  const serviceRoot = loadTrustedRoot(backend.trustRoot.current());
  // Verification on every core; without the compiled worker (tests from sources, unbuilt) in-thread.
  let verifyPool: VerifyPool | undefined;
  if (config.verifyWorkers > 0) {
    try {
      verifyPool = new VerifyPool({ size: config.verifyWorkers, serviceRoot: backend.trustRoot.current(), onWorkerExit: (reason) => log.error({ reason }, "verification worker stopped; replacing it") });
    } catch (err) {
      log.warn({ err }, "verification worker pool not started; verifying in the request thread");
    }
  }
  // Aborted at shutdown so long-lived streams end instead of holding the grace period.
  const shutdown = new AbortController();
  const impl = createTrustServiceImpl({
    sign: createSignHandler({ backend, policies, serviceRoot, audit, callerOf }),
    verify: createVerifyHandler({ serviceRoot, policies, audit, callerOf, ...(verifyPool ? { pool: verifyPool } : {}) }),
    getKeys: createGetKeysHandler(backend.trustRoot, stack ? { tufUrl: `${url}/tuf/` } : {}),
    ...(stack ? { getTransparency: createGetTransparencyHandler(stack.log), watchCheckpoints: createWatchHandler(stack.log, shutdown.signal) } : {}),
    ...certus.handlers,
  });
  const routes = (router: ConnectRouter) => {
    router.service(TrustService, impl);
    registerHealth(router, health);
    registerReflection(router, reflection);
  };
  const interceptors = [metricsInterceptor(metrics), callInterceptor(log, config.defaultDeadlineMs), auth.interceptor];
  mcp = mcpPathHandler({
    auth,
    routes,
    interceptors,
    log,
    explainPolicy: (name) => ({ text: describePolicy(policies.get(name)), policies: policies.names() }),
  });
  serve = connectNodeAdapter({
    routes,
    fallback: notFoundFallback as never,
    readMaxBytes: config.maxBodyBytes,
    writeMaxBytes: 64 * 1024 * 1024,
    // Outermost first: metrics see the final code, the call line names the caller that auth sets.
    interceptors,
    contextValues: (req) => auth.contextValues(req),
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
  health.setAll(ServingStatus.SERVING);
  // Each component's readiness (external upstreams); the service is ready while every critical one is.
  const reportReadiness = () => {
    const components = backend.readiness();
    for (const c of components) health.setComponent(c.component, c.ready, c.detail);
    const ready = components.every((c) => c.ready || !c.critical) ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    health.set("", ready);
    health.set(TrustService.typeName, ready);
  };
  const unwatchReadiness = backend.onReadinessChange(reportReadiness);
  reportReadiness();
  log.info(
    { url, host: addr.address, port: addr.port, dataDir: config.dataDir, mode: config.mode, tls: tls !== undefined, identity: backend.signer.identity, logSize: stack?.log.size },
    "certus-trust listening",
  );
  return {
    url,
    port: addr.port,
    get stack(): EmbeddedStack {
      if (stack === undefined) throw new TypeError("the server runs with mode \"sigstore\": there is no embedded stack");
      return stack;
    },
    backend,
    health,
    async close() {
      unwatchReadiness();
      health.setAll(ServingStatus.NOT_SERVING);
      shutdown.abort();
      unfollowLog();
      await listener.close(config.shutdownGraceMs);
      await verifyPool?.close();
      await backend.close();
      certus.close();
      policies.close();
      await audit.close();
      log.info("certus-trust stopped");
    },
  };
}
