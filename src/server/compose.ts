/**
 * The composition root: turns a resolved configuration into the service — the mode resolved once
 * into one set of port instances, every handler built on those ports, the Connect routes, the
 * plain HTTP paths beside them — without opening a socket. `listen.ts` serves what this builds;
 * tests can build the routes and call them in-process.
 *
 * Order matters only where one part needs another: ports first (the stack or the upstream
 * clients, then the state store over them), then authentication (it reads API keys from the
 * state store), then the handlers, the routes, and the paths that need the routes (MCP).
 */
import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import { TrustService, file_certus_trust_v1_trust_service } from "@certus/trust-sdk";
import { file_grpc_health_v1_health } from "@certus/trust-sdk/gen/grpc/health/v1/health_pb";
import { file_grpc_reflection_v1_reflection } from "@certus/trust-sdk/gen/grpc/reflection/v1/reflection_pb";
import { file_grpc_reflection_v1alpha_reflection } from "@certus/trust-sdk/gen/grpc/reflection/v1alpha/reflection_pb";
import { createAuthLayer, type AuthLayer } from "../auth/auth-layer.js";
import { certusPathHandler } from "../certus/http-paths.js";
import { createCertusIntegration } from "../certus/integration.js";
import type { TrustConfig } from "../config/config.js";
import { sectionsOf, type ConfigSections } from "../config/sections.js";
import type { PathHandler } from "../http/types.js";
import type { Logger } from "../logger.js";
import { mcpPathHandler } from "../mcp/http.js";
import { metricsPathHandler } from "../metrics/endpoint.js";
import { metricsInterceptor } from "../metrics/interceptor.js";
import { TrustMetrics } from "../metrics/metrics.js";
import { OidcTokenVerifier, parseIssuerEntries } from "../oidc/index.js";
import { describePolicy } from "../policy/model.js";
import { PolicyStore } from "../policy/store.js";
import { callerOf } from "../rpc/caller.js";
import { createGetKeysHandler } from "../service/keys.js";
import { assembleService, serves, type TrustServiceImpl } from "../service/rpc-availability.js";
import { createSignHandler } from "../service/sign.js";
import { createGetTransparencyHandler } from "../service/transparency.js";
import { createVerifyHandler } from "../service/verify.js";
import { createWatchHandler } from "../service/watch.js";
import { createSigstoreCompatPaths } from "../sigstore/compat/index.js";
import { embeddedSigningBackend } from "../sigstore/embedded/signing-backend.js";
import { EmbeddedStack } from "../sigstore/embedded/stack.js";
import { EmbeddedLogPort } from "../sigstore/embedded/transparency-log.js";
import { tufPathHandler } from "../sigstore/embedded/tuf/http.js";
import { ExternalSigningBackend } from "../sigstore/external/backend.js";
import { ExternalLogPort } from "../sigstore/external/transparency-log.js";
import type { SigningBackend } from "../sigstore/signing-backend.js";
import type { TransparencyLog } from "../sigstore/transparency-log.js";
import type { TrustRootSource } from "../sigstore/trust-root-source.js";
import { loadTrustedRoot } from "../sigstore/verify/index.js";
import { FileStateStore } from "../state/file/file-state-store.js";
import type { StateStore } from "../state/state-store.js";
import { VerifyPool } from "../verify-pool/pool.js";
import { HealthState, ServingStatus, registerHealth } from "./health.js";
import { callInterceptor } from "./interceptors.js";
import { ReflectionIndex, registerReflection } from "./reflection.js";
import { createConsoleHandler } from "./ui.js";

/** The port instances of one running service, resolved once for its mode. */
export interface ServicePorts {
  readonly mode: "embedded" | "sigstore";
  /** The service's signer and the witnesses of one signature. */
  readonly signing: SigningBackend;
  readonly trustRoot: TrustRootSource;
  readonly log: TransparencyLog;
  readonly state: StateStore;
}

/** What composition needs besides the configuration. */
export interface ComposeContext {
  /** The base URL clients use (the public URL, or the bound address): the default issuer. */
  readonly url: string;
  readonly log: Logger;
  /** Health of the service; composition reports readiness into it. */
  readonly health: HealthState;
}

/** The composed service, not yet serving. */
export interface ComposedService {
  readonly ports: ServicePorts;
  /** The embedded stack, in embedded mode (the TUF and compat paths, the key tools, tests). */
  readonly embedded: EmbeddedStack | undefined;
  /** Registers TrustService, health and reflection on a Connect router. */
  readonly routes: (router: ConnectRouter) => void;
  /** Outermost first: metrics, the call log, authentication. */
  readonly interceptors: Interceptor[];
  readonly auth: AuthLayer;
  /** Plain HTTP paths beside the RPCs, tried in order. */
  readonly paths: readonly PathHandler[];
  /**
   * First step of shutdown, before the listener drains: readiness stops following the upstreams
   * and long-lived streams (WatchCheckpoints) end, so they do not hold the grace period.
   */
  beginShutdown(): void;
  /** Stops everything composition started, in reverse order (calls `beginShutdown` first). */
  close(): Promise<void>;
}

/** The services the gRPC reflection lists. */
const SERVICE_NAMES = [TrustService.typeName, "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"];

/** Resolves the mode into its ports: the embedded stack, or the upstream clients. */
async function resolvePorts(config: Pick<ConfigSections, "service" | "embedded" | "sigstore">, ctx: ComposeContext): Promise<{ ports: ServicePorts; embedded: EmbeddedStack | undefined }> {
  const { service, sigstore } = config;
  let signing: SigningBackend;
  let log: TransparencyLog;
  let embedded: EmbeddedStack | undefined;
  if (service.mode === "sigstore") {
    const rekorVersion = sigstore.rekorVersion === 2 ? 2 : 1;
    signing = await ExternalSigningBackend.open({ ...sigstore, rekorVersion, dataDir: service.dataDir, identity: service.identity, issuer: service.issuer, log: ctx.log });
    log = new ExternalLogPort(sigstore.rekorUrl, rekorVersion);
  } else {
    embedded = await EmbeddedStack.open({
      dataDir: service.dataDir, publicUrl: service.publicUrl, identity: service.identity, issuer: service.issuer || ctx.url, logMaxBytes: config.embedded.logMaxBytes,
      onTufRenewalError: (err) => ctx.log.warn({ err }, "TUF metadata could not be re-signed; retrying at the next check"),
    });
    signing = embeddedSigningBackend(embedded);
    log = new EmbeddedLogPort(embedded.log);
  }
  let state: StateStore;
  try {
    state = FileStateStore.open({
      dataDir: service.dataDir,
      log: ctx.log,
      searchLog: async (query, page) => {
        const found = await log.search(query, page);
        return { logIndexes: found.entries.map((e) => e.logIndex), nextAfterIndex: found.nextAfterIndex };
      },
    });
  } catch (err) {
    await signing.close();
    throw err;
  }
  return { ports: { mode: service.mode === "sigstore" ? "sigstore" : "embedded", signing, trustRoot: signing.trustRoot, log, state }, embedded };
}

/** Builds the service from `config`; throws (having closed what it opened) when a part cannot start. */
export async function compose(config: TrustConfig, ctx: ComposeContext): Promise<ComposedService> {
  const { log, health } = ctx;
  const sections = sectionsOf(config);
  const { service, limits } = sections;
  const { ports, embedded } = await resolvePorts(sections, ctx);
  const closers: Array<() => unknown> = [() => ports.signing.close(), () => ports.state.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close();
  };
  try {
    const metrics = new TrustMetrics();
    const unfollowLog = metrics.followLog(ports.log);
    closers.push(unfollowLog);
    const auth = createAuthLayer(sections.auth, ports.state.apiKeys, () => metrics.rateLimited.inc());
    const policies = new PolicyStore(service.policyFile || undefined, log);
    closers.push(() => policies.close());
    // The service's own trust material, validated and built once.
    // (External mode: the root fetched at start; GetKeys follows TUF refreshes, Verify after a restart.)
    const serviceRoot = loadTrustedRoot(ports.trustRoot.current());
    const { mode } = ports;
    const certusServed = (["verifyAndPermitUpload", "verifyChain", "legacySign", "getStats", "getProvenance", "getReadiness"] as const).some((rpc) => serves(rpc, mode, ports.log));
    const certus = certusServed
      ? createCertusIntegration({
          ...ports,
          settings: {
            ...sections.certus,
            // GetReadiness probes every issuer the service trusts: callers' and the Fulcio endpoint's.
            oidcIssuers: [...new Set([...sections.auth.authOidcIssuers, ...sections.embedded.oidcIssuers.map((e) => e.split("|")[0]!)])],
          },
          policies,
          serviceRoot,
          callerOf,
          logger: log,
        })
      : undefined;
    if (certus) closers.push(() => certus.close());
    policies.watch();
    // Verification on every core; without the compiled worker (tests from sources, unbuilt) in-thread.
    let verifyPool: VerifyPool | undefined;
    if (limits.verifyWorkers > 0) {
      try {
        verifyPool = new VerifyPool({ size: limits.verifyWorkers, serviceRoot: ports.trustRoot.current(), onWorkerExit: (reason) => log.error({ reason }, "verification worker stopped; replacing it") });
        const pool = verifyPool;
        closers.push(() => pool.close());
      } catch (err) {
        log.warn({ err }, "verification worker pool not started; verifying in the request thread");
      }
    }
    // Aborted at shutdown so long-lived streams end instead of holding the grace period.
    const shutdown = new AbortController();
    const handlers: Partial<TrustServiceImpl> = {
      sign: createSignHandler({ backend: ports.signing, policies, serviceRoot, audit: ports.state.audit, callerOf }),
      verify: createVerifyHandler({ serviceRoot, policies, audit: ports.state.audit, callerOf, ...(verifyPool ? { pool: verifyPool } : {}) }),
      getKeys: createGetKeysHandler(ports.trustRoot, embedded ? { tufUrl: `${ctx.url}/tuf/` } : {}),
      getTransparency: createGetTransparencyHandler(ports.log),
      watchCheckpoints: createWatchHandler(ports.log, shutdown.signal),
      ...certus?.handlers,
    };
    const impl = assembleService(handlers, mode, ports.log);
    const reflection = new ReflectionIndex(
      [file_certus_trust_v1_trust_service, file_grpc_health_v1_health, file_grpc_reflection_v1_reflection, file_grpc_reflection_v1alpha_reflection],
      SERVICE_NAMES,
    );
    const routes = (router: ConnectRouter) => {
      router.service(TrustService, impl);
      registerHealth(router, health);
      registerReflection(router, reflection);
    };
    const interceptors = [metricsInterceptor(metrics), callInterceptor(log, limits.defaultDeadlineMs), auth.interceptor];
    const paths: PathHandler[] = [
      createConsoleHandler(),
      metricsPathHandler(metrics, auth),
      mcpPathHandler({ auth, routes, interceptors, log, explainPolicy: (name) => ({ text: describePolicy(policies.get(name)), policies: policies.names() }) }),
      // The TUF repository (public metadata, no authentication) and the Fulcio/Rekor/TSA-compatible
      // endpoints (public, as upstream's are) exist only with the embedded stack.
      ...(embedded
        ? [
            tufPathHandler(() => embedded.tuf),
            createSigstoreCompatPaths({ stack: embedded, tokenVerifier: new OidcTokenVerifier({ issuers: parseIssuerEntries(sections.embedded.oidcIssuers) }), serviceUrl: ctx.url, maxBodyBytes: limits.maxBodyBytes, log }),
          ]
        : []),
      // The Certus callers' plain paths (legacy /v1/sign body, /v1/health, /v1/keys/<role>.json),
      // before the REST alias rewrite.
      certusPathHandler({ maxBodyBytes: limits.maxBodyBytes, tufRead: (name) => embedded?.tuf.read(name) }),
    ];
    // Each component's readiness (external upstreams); the service is ready while every critical one is.
    const reportReadiness = () => {
      const components = ports.signing.readiness();
      for (const c of components) health.setComponent(c.component, c.ready, c.detail);
      const ready = components.every((c) => c.ready || !c.critical) ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
      health.set("", ready);
      health.set(TrustService.typeName, ready);
    };
    health.setAll(ServingStatus.SERVING);
    const unwatchReadiness = ports.signing.onReadinessChange(reportReadiness);
    reportReadiness();
    const beginShutdown = () => {
      unwatchReadiness();
      health.setAll(ServingStatus.NOT_SERVING);
      shutdown.abort();
    };
    return {
      ports, embedded, routes, interceptors, auth, paths, beginShutdown,
      close: async () => {
        beginShutdown();
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
