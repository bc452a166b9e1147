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
import { X509Certificate } from "node:crypto";
import path from "node:path";
import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import { TrustService, file_certus_trust_v1_trust_service } from "@certus/trust-sdk";
import { file_grpc_health_v1_health } from "@certus/trust-sdk/gen/grpc/health/v1/health_pb";
import { file_grpc_reflection_v1_reflection } from "@certus/trust-sdk/gen/grpc/reflection/v1/reflection_pb";
import { file_grpc_reflection_v1alpha_reflection } from "@certus/trust-sdk/gen/grpc/reflection/v1alpha/reflection_pb";
import { createAuthLayer, type AuthLayer } from "../auth/auth-layer.js";
import { RateLimiter } from "../auth/rate-limit.js";
import { certusPathHandler } from "../certus/http-paths.js";
import { createCertusIntegration } from "../certus/integration.js";
import { ConfigError, type TrustConfig } from "../config/config.js";
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
import { CompatAccess } from "../sigstore/compat/access.js";
import { createSigstoreCompatPaths } from "../sigstore/compat/index.js";
import { servedSigningConfig } from "../sigstore/compat/served-signing-config.js";
import { embeddedSigningBackend } from "../sigstore/embedded/signing-backend.js";
import { EmbeddedStack } from "../sigstore/embedded/stack.js";
import { EmbeddedLogPort } from "../sigstore/embedded/transparency-log.js";
import { tufPathHandler } from "../sigstore/embedded/tuf/http.js";
import type { SigningConfigJson } from "../sigstore/embedded/tuf/signing-config.js";
import { ExternalSigningBackend } from "../sigstore/external/backend.js";
import type { SigningBackend } from "../sigstore/signing-backend.js";
import type { TransparencyLog } from "../sigstore/transparency-log.js";
import type { TrustRootSource } from "../sigstore/trust-root-source.js";
import { loadTrustedRoot } from "../sigstore/verify/index.js";
import { FileEntryIndex } from "../state/file/entry-index.js";
import { FileStateStore } from "../state/file/file-state-store.js";
import { DatabaseUrlError } from "../state/postgres/connection.js";
import { PostgresStateStore } from "../state/postgres/postgres-state-store.js";
import type { StateStore } from "../state/state-store.js";
import { VerifyPool } from "../verify-pool/pool.js";
import { poolJudge } from "./pool-judge.js";
import { HealthState, ServingStatus, registerHealth } from "./health.js";
import { callInterceptor } from "./interceptors.js";
import { stateGuardInterceptor } from "./state-guard.js";
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

/**
 * The writer of a multi-process server (`src/cluster/`) as a worker sees it: the ports that reach
 * it over IPC, and as data what the embedded stack would otherwise give composition. A worker
 * composes the same service on these instead of opening the stack.
 */
export interface RemoteWriter {
  readonly signing: SigningBackend;
  readonly log: TransparencyLog;
  /** The file state store through the writer; undefined with `stateStore: postgres` (opened here, as replicas do). */
  readonly state: StateStore | undefined;
  /** The embedded stack's signing config and instance base URL (GetKeys serves them rebased). */
  readonly signingConfig: SigningConfigJson;
  readonly baseUrl: string;
  /** The paths only the writer answers (TUF, Sigstore-compatible endpoints), forwarded to it. */
  readonly paths: readonly PathHandler[];
}

/** What composition needs besides the configuration. */
export interface ComposeContext {
  /** The base URL clients use (the public URL, or the bound address): the default issuer. */
  readonly url: string;
  readonly log: Logger;
  /** Health of the service; composition reports readiness into it. */
  readonly health: HealthState;
  /** In a worker process: the writer to compose on, instead of opening the embedded stack. */
  readonly remote?: RemoteWriter;
}

/** The composed service, not yet serving. */
export interface ComposedService {
  readonly ports: ServicePorts;
  /** The embedded stack, in embedded mode (the TUF and compat paths, the key tools, tests). */
  readonly embedded: EmbeddedStack | undefined;
  /** Registers TrustService, health and reflection on a Connect router. */
  readonly routes: (router: ConnectRouter) => void;
  /** Outermost first: metrics, the call log, authentication, the state guard (`state-guard.ts`). */
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
async function resolvePorts(
  config: Pick<ConfigSections, "service" | "embedded" | "sigstore" | "state">,
  ctx: ComposeContext,
  metrics: TrustMetrics,
): Promise<{ ports: ServicePorts; embedded: EmbeddedStack | undefined; entryIndex: FileEntryIndex | undefined }> {
  const { service, sigstore } = config;
  if (ctx.remote) return remotePorts(config, ctx, ctx.remote);
  // PostgreSQL is opened first: in mode sigstore, its entry index is the one the Rekor v2 adapter
  // records into and searches, shared by every replica.
  const postgres =
    config.state.stateStore === "postgres"
      ? await PostgresStateStore.open({
          url: config.state.databaseUrl,
          caFile: config.state.databaseCaFile || undefined,
          poolSize: config.state.databasePoolSize,
          log: ctx.log,
        }).catch((err: unknown) => {
          // A URL or CA file that cannot be used is the operator's configuration mistake.
          throw err instanceof DatabaseUrlError ? new ConfigError(err.message) : err;
        })
      : undefined;
  let signing: SigningBackend;
  let log: TransparencyLog;
  let embedded: EmbeddedStack | undefined;
  let entryIndex: FileEntryIndex | undefined;
  try {
    if (service.mode === "sigstore") {
      const rekorVersion = sigstore.rekorVersion === 2 ? 2 : 1;
      // Rekor v2 has no search: the entries this service writes are indexed in the state store.
      if (!postgres) entryIndex = new FileEntryIndex(path.join(service.dataDir, "entry-index.jsonl"));
      const external = await ExternalSigningBackend.open({
        ...sigstore,
        rekorVersion,
        dataDir: service.dataDir,
        identity: service.identity,
        issuer: service.issuer,
        log: ctx.log,
        entryIndex: postgres ? postgres.entryIndex : entryIndex,
        onLogAlarm: (kind) => metrics.upstreamLogAlarms.inc({ kind }),
      });
      signing = external;
      // Rekor v1 through its REST API, Rekor v2 through its tiles (ExternalLogPort refuses when unreadable).
      log = external.transparencyLog;
    } else {
      embedded = await EmbeddedStack.open({
        dataDir: service.dataDir,
        publicUrl: service.publicUrl,
        identity: service.identity,
        logMaxBytes: config.embedded.logMaxBytes,
        // The issuer is fixed at first start (instance.json); --issuer changes it, logged.
        ...(service.issuer ? { issuer: service.issuer } : {}),
        defaultIssuer: ctx.url,
        onIssuerChange: ({ from, to }) =>
          from === undefined
            ? ctx.log.info({ issuer: to }, "service signing issuer recorded in instance.json")
            : ctx.log.warn({ from, to }, "service signing issuer changed (--issuer): bundles signed before name the previous issuer"),
        onTufRenewalError: (err) => ctx.log.warn({ err }, "TUF metadata could not be re-signed; retrying at the next check"),
        onSigningThreadExit: (reason) => ctx.log.error({ reason }, "the signing thread stopped; signing goes on in the event loop"),
      });
      signing = embeddedSigningBackend(embedded);
      log = new EmbeddedLogPort(embedded.log);
    }
  } catch (err) {
    await postgres?.close();
    throw err;
  }
  let state: StateStore;
  try {
    state =
      postgres ??
      FileStateStore.open({
        dataDir: service.dataDir,
        log: ctx.log,
        ...(entryIndex ? { entryIndex } : {}),
        searchLog: async (query, page) => {
          const found = await log.search(query, page);
          return { logIndexes: found.entries.map((e) => e.logIndex), nextAfterIndex: found.nextAfterIndex };
        },
      });
  } catch (err) {
    await signing.close();
    await entryIndex?.close();
    throw err;
  }
  return { ports: { mode: service.mode === "sigstore" ? "sigstore" : "embedded", signing, trustRoot: signing.trustRoot, log, state }, embedded, entryIndex };
}

/** A worker's ports: the writer's, and PostgreSQL opened here when the state lives there. */
async function remotePorts(
  config: Pick<ConfigSections, "state">,
  ctx: ComposeContext,
  remote: RemoteWriter,
): Promise<{ ports: ServicePorts; embedded: undefined; entryIndex: undefined }> {
  const state =
    remote.state ??
    (await PostgresStateStore.open({
      url: config.state.databaseUrl,
      caFile: config.state.databaseCaFile || undefined,
      poolSize: config.state.databasePoolSize,
      log: ctx.log,
    }));
  return {
    ports: { mode: "embedded", signing: remote.signing, trustRoot: remote.signing.trustRoot, log: remote.log, state },
    embedded: undefined,
    entryIndex: undefined,
  };
}

/** Builds the service from `config`; throws (having closed what it opened) when a part cannot start. */
export async function compose(config: TrustConfig, ctx: ComposeContext): Promise<ComposedService> {
  const { log, health } = ctx;
  const sections = sectionsOf(config);
  const { service, limits } = sections;
  const metrics = new TrustMetrics();
  const { ports, embedded, entryIndex } = await resolvePorts(sections, ctx, metrics);
  const closers: Array<() => unknown> = [() => entryIndex?.close(), () => ports.signing.close(), () => ports.state.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close();
  };
  try {
    const unfollowLog = metrics.followLog(ports.log);
    closers.push(unfollowLog);
    const auth = createAuthLayer(sections.auth, ports.state.apiKeys, () => metrics.rateLimited.inc());
    const policies = new PolicyStore(service.policyFile || undefined, log);
    closers.push(() => policies.close());
    // The service's own trust material, validated and built once.
    // (External mode: the root fetched at start; GetKeys follows TUF refreshes, Verify after a restart.)
    const serviceRoot = loadTrustedRoot(ports.trustRoot.current());
    const { mode } = ports;
    // Verification on every core; without the compiled worker (tests from sources, unbuilt) in-thread.
    let verifyPool: VerifyPool | undefined;
    if (limits.verifyWorkers > 0) {
      try {
        verifyPool = new VerifyPool({
          size: limits.verifyWorkers,
          serviceRoot: ports.trustRoot.current(),
          onWorkerExit: (reason) => log.error({ reason }, "verification worker stopped; replacing it"),
        });
        const pool = verifyPool;
        closers.push(() => pool.close());
      } catch (err) {
        log.warn({ err }, "verification worker pool not started; verifying in the request thread");
      }
    }
    const certusServed = (["verifyAndPermitUpload", "verifyChain", "legacySign", "getStats", "getProvenance", "getReadiness"] as const).some((rpc) =>
      serves(rpc, mode, ports.log),
    );
    const certus = certusServed
      ? createCertusIntegration({
          ...ports,
          settings: {
            ...sections.certus,
            // GetReadiness probes every issuer the service trusts: callers' and the Fulcio endpoint's.
            oidcIssuers: [...new Set([...sections.auth.authOidcIssuers, ...sections.embedded.oidcIssuers.map((e) => e.split("|")[0] ?? e)])],
          },
          policies,
          serviceRoot,
          callerOf,
          logger: log,
          verifyBudgetMs: limits.verifyBudgetMs,
          ...(verifyPool ? { judge: poolJudge(verifyPool) } : {}),
        })
      : undefined;
    if (certus) closers.push(() => certus.close());
    policies.watch();
    // The stack's published configuration: from the stack here, or as the writer sent it.
    const stackData = embedded ? { signingConfig: embedded.signingConfig, baseUrl: embedded.instance.baseUrl } : ctx.remote;
    // Aborted at shutdown so long-lived streams end instead of holding the grace period.
    const shutdown = new AbortController();
    const handlers: Partial<TrustServiceImpl> = {
      sign: createSignHandler({
        backend: ports.signing,
        policies,
        serviceRoot,
        audit: ports.state.audit,
        callerOf,
        budgetMs: limits.verifyBudgetMs,
        ...(verifyPool ? { pool: verifyPool } : {}),
      }),
      verify: createVerifyHandler({
        serviceRoot,
        policies,
        audit: ports.state.audit,
        callerOf,
        budgetMs: limits.verifyBudgetMs,
        ...(verifyPool ? { pool: verifyPool } : {}),
      }),
      getKeys: createGetKeysHandler(
        ports.trustRoot,
        stackData
          ? {
              tufUrl: `${ctx.url}/tuf/`,
              clientSigningConfig: servedSigningConfig(
                stackData.signingConfig,
                stackData.baseUrl,
                ctx.url,
                parseIssuerEntries(sections.embedded.oidcIssuers).map((i) => i.issuer),
              ),
            }
          : {},
      ),
      // A digest or subject search covers the whole log, except on Rekor v2 (no search API),
      // where it covers the entries this service wrote (its entry index).
      getTransparency: createGetTransparencyHandler(ports.log, mode === "sigstore" && sections.sigstore.rekorVersion === 2 ? "service" : "log"),
      watchCheckpoints: createWatchHandler(ports.log, shutdown.signal, { maxStreams: limits.watchMaxStreams, maxLifetimeMs: limits.watchMaxLifetimeMs }),
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
    const interceptors = [metricsInterceptor(metrics), callInterceptor(log, limits.defaultDeadlineMs), auth.interceptor, stateGuardInterceptor(ports.state)];
    const paths: PathHandler[] = [
      createConsoleHandler(),
      metricsPathHandler(metrics, auth),
      mcpPathHandler({ auth, routes, interceptors, log, explainPolicy: (name) => ({ text: describePolicy(policies.get(name)), policies: policies.names() }) }),
      // The TUF repository (public metadata, no authentication) and the Fulcio/Rekor/TSA-compatible
      // endpoints (public, as upstream's are) exist only with the embedded stack.
      ...(embedded
        ? [
            tufPathHandler(() => embedded.tuf),
            createSigstoreCompatPaths({
              stack: embedded,
              tokenVerifier: new OidcTokenVerifier({ issuers: parseIssuerEntries(sections.embedded.oidcIssuers) }),
              serviceUrl: ctx.url,
              maxBodyBytes: limits.maxBodyBytes,
              log,
              // One admission point for every write to the log (and the scopes of its reads).
              access: new CompatAccess({
                authenticator: auth.authenticator,
                writes: sections.embedded.compatWrites,
                callerLimiter: auth.limiter,
                peerLimiter: new RateLimiter(sections.embedded.compatWriteRate, sections.embedded.compatWriteRate * 2, () => metrics.rateLimited.inc()),
                quota: new RateLimiter(sections.embedded.compatWriteQuotaBytes / 3600, sections.embedded.compatWriteQuotaBytes, () =>
                  metrics.rateLimited.inc(),
                ),
                limitOpenWriters: sections.auth.insecureAllowAnonymous,
                issuers: () => embedded.caGenerations.map((g) => new X509Certificate(Buffer.from(g.authority.intermediate.rawData))),
              }),
              onWrite: (entry, writer) =>
                void ports.state.audit
                  .append({
                    caller: writer.id,
                    action: "log-write",
                    verdict: "allowed",
                    logIndex: String(entry.logIndex),
                    detail: { uuid: entry.uuid, kind: entry.kindVersion.kind, admittedVia: writer.via },
                  })
                  .catch(() => undefined),
            }),
          ]
        : (ctx.remote?.paths ?? [])),
      // The Certus callers' plain paths (legacy /v1/sign body, /v1/health, /v1/keys/<role>.json),
      // before the REST alias rewrite.
      certusPathHandler({ maxBodyBytes: limits.maxBodyBytes, tufRead: (name) => embedded?.tuf.read(name) }),
    ];
    // Each component's readiness (external upstreams, the state database); the service is ready
    // while every critical one is. The state database is named but not critical: it is shared,
    // so when it is down it is down for every replica, and taking them all out of the load
    // balancer would turn "unavailable, retry in 2 s" (and Verify, which still works) into
    // connection errors.
    const reportReadiness = () => {
      const components = [...ports.signing.readiness(), ...(ports.state.readiness?.() ?? []).map((c) => ({ ...c, critical: false }))];
      for (const c of components) health.setComponent(c.component, c.ready, c.detail);
      const ready = components.every((c) => c.ready || !c.critical) ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
      health.set("", ready);
      health.set(TrustService.typeName, ready);
    };
    health.setAll(ServingStatus.SERVING);
    const unwatchSigning = ports.signing.onReadinessChange(reportReadiness);
    const unwatchState = ports.state.onReadinessChange?.(reportReadiness) ?? (() => {});
    const unwatchReadiness = () => {
      unwatchSigning();
      unwatchState();
    };
    reportReadiness();
    const beginShutdown = () => {
      unwatchReadiness();
      health.setAll(ServingStatus.NOT_SERVING);
      shutdown.abort();
    };
    return {
      ports,
      embedded,
      routes,
      interceptors,
      auth,
      paths,
      beginShutdown,
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
