/**
 * The external mode's {@link SigningBackend}: Fulcio certifies the service's identity (from its
 * own OIDC token), Rekor (v1 or v2) logs each signature, a TSA timestamps it, and the trusted
 * root comes from TUF (or a fixed file). Every upstream has its own client with a deadline,
 * retries and a circuit breaker; a component whose circuit is not closed reads as not ready, and
 * while one is down a prober tries it every {@link DEFAULT_PROBE_INTERVAL_MS} (as the circuit's
 * half-open call), so readiness and signing recover on their own when it is back.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Logger } from "../../logger.js";
import type { ComponentReadiness, EntryIndexKeys, SignatureWitnesses, SigningBackend } from "../signing-backend.js";
import type { CircuitBreaker } from "./circuit-breaker.js";
import { FulcioIdentity } from "./fulcio.js";
import { ServiceTokenSource } from "./oidc.js";
import type { EntryIndex } from "../../state/state-store.js";
import type { TransparencyLog } from "../transparency-log.js";
import { DEFAULT_CHECKPOINT_POLL_MS } from "./upstream-checkpoints.js";
import { openUpstreamLog, type LogAlarmKind, type UpstreamLog } from "./upstream-log.js";
import { ExternalLogWitness, MIN_REKOR_ATTEMPT_MS, RekorClient, type RekorVersion } from "./rekor.js";
import { TimestampWitness } from "../timestamp-witness.js";
import { TsaClient } from "./tsa.js";
import { fileTrustRoot, TufTrustRoot, type ExternalTrustRoot } from "./tuf.js";
import { UpstreamHttp } from "./upstream-http.js";

/** How often a down component is probed, in milliseconds. */
export const DEFAULT_PROBE_INTERVAL_MS = 2_000;

/** What the external mode needs (the `mode: sigstore` keys of the configuration). */
export interface ExternalBackendOptions {
  readonly dataDir: string;
  readonly identity: string;
  readonly issuer: string;
  readonly fulcioUrl: string;
  readonly rekorUrl: string;
  readonly rekorVersion: RekorVersion;
  /** Empty: no timestamps (Rekor v1's SET dates the signature). */
  readonly tsaUrl: string;
  readonly tufMirrorUrl: string;
  readonly tufRootFile: string;
  readonly trustedRootFile: string;
  readonly oidcTokenUrl: string;
  readonly oidcClientId: string;
  readonly oidcClientSecretFile: string;
  readonly oidcScope: string;
  readonly oidcTokenFile: string;
  /** Budget of one upstream call, retries included, in milliseconds. */
  readonly upstreamDeadlineMs: number;
  readonly tufRefreshMs: number;
  /** Rekor v2's read URL (checkpoint and tiles); empty: the log is not read. */
  readonly rekorReadUrl?: string;
  /** Interval of upstream checkpoint polls for watchers, in milliseconds. */
  readonly checkpointPollMs?: number;
  /** Where the entries the service writes are indexed by digest and signer (search on Rekor v2). */
  readonly entryIndex?: EntryIndex;
  /** Told when the upstream log contradicts itself or serves data its checkpoint does not sign. */
  readonly onLogAlarm?: (kind: LogAlarmKind, reason: string) => void;
  /** Default {@link DEFAULT_PROBE_INTERVAL_MS}. */
  readonly probeIntervalMs?: number;
  /** How long a circuit stays open before a probe, in milliseconds; default the breaker's. */
  readonly breakerOpenMs?: number;
  readonly log: Logger;
}

interface Component {
  readonly name: string;
  readonly breaker: CircuitBreaker;
  /** A cheap call through the component's client; any answer that is not transient means it is back. */
  readonly probe: () => Promise<unknown>;
}

function readSecret(file: string, what: string): string {
  const text = readFileSync(file, "utf8").trim();
  if (text === "") throw new TypeError(`${what} ${file} is empty`);
  return text;
}

export class ExternalSigningBackend implements SigningBackend {
  readonly mode = "sigstore" as const;
  readonly signer: FulcioIdentity;
  readonly #rekor: RekorClient;
  readonly #tsa: TsaClient | undefined;
  /** The upstream log behind the TransparencyLog port (reads, proofs, checkpoints). */
  readonly transparencyLog: TransparencyLog;
  readonly #upstreamLog: UpstreamLog;
  readonly #entryIndex: EntryIndex | undefined;
  readonly trustRoot: ExternalTrustRoot;
  readonly #components: Component[];
  readonly #listeners = new Set<() => void>();
  readonly #unsubscribe: (() => void)[] = [];
  readonly #prober: NodeJS.Timeout;
  readonly #log: Logger;
  #probing = false;

  private constructor(opts: ExternalBackendOptions, root: ExternalTrustRoot) {
    this.#log = opts.log;
    this.trustRoot = root;
    const breaker = opts.breakerOpenMs === undefined ? {} : { breaker: { openMs: opts.breakerOpenMs } };
    // A hung attempt may use half the budget, leaving the other half for a retry (Rekor excepted).
    const client = (component: string, baseUrl: string, attemptTimeoutMs = Math.ceil(opts.upstreamDeadlineMs / 2)) =>
      new UpstreamHttp({ component, baseUrl, deadlineMs: opts.upstreamDeadlineMs, attemptTimeoutMs, ...breaker });
    const oidcHttp = opts.oidcTokenUrl ? client("oidc", opts.oidcTokenUrl) : undefined;
    const tokens = new ServiceTokenSource(
      oidcHttp
        ? {
            kind: "client-credentials",
            tokenUrl: opts.oidcTokenUrl,
            clientId: opts.oidcClientId,
            clientSecret: readSecret(opts.oidcClientSecretFile, "the client secret file"),
            ...(opts.oidcScope ? { scope: opts.oidcScope } : {}),
          }
        : { kind: "file", path: opts.oidcTokenFile },
      oidcHttp,
    );
    const fulcioHttp = client("fulcio", opts.fulcioUrl);
    this.signer = new FulcioIdentity({ http: fulcioHttp, tokens, identity: opts.identity, issuer: opts.issuer });
    // Rekor may need 20 s to integrate under load: an attempt may use the whole remaining budget
    // (not cut at half), and the documented default deadline (30 s) leaves it that much.
    const rekorHttp = client("rekor", opts.rekorUrl, Math.max(MIN_REKOR_ATTEMPT_MS, opts.upstreamDeadlineMs));
    this.#rekor = new RekorClient(rekorHttp, opts.rekorVersion);
    this.#entryIndex = opts.entryIndex;
    this.#upstreamLog = openUpstreamLog({
      dataDir: opts.dataDir,
      rekorUrl: opts.rekorUrl,
      rekorVersion: opts.rekorVersion,
      rekorReadUrl: opts.rekorReadUrl ?? "",
      checkpointPollMs: opts.checkpointPollMs ?? DEFAULT_CHECKPOINT_POLL_MS,
      upstreamDeadlineMs: opts.upstreamDeadlineMs,
      ...(opts.breakerOpenMs === undefined ? {} : { breaker: { openMs: opts.breakerOpenMs } }),
      entryIndex: opts.entryIndex,
      trustedRoot: () => root.current(),
      log: opts.log,
      rekor: this.#rekor,
      ...(opts.onLogAlarm ? { onAlarm: opts.onLogAlarm } : {}),
    });
    this.transparencyLog = this.#upstreamLog.log;
    this.#unsubscribe.push(
      this.#upstreamLog.onChange(() => {
        for (const l of this.#listeners) l();
      }),
    );
    const tsaHttp = opts.tsaUrl ? client("tsa", opts.tsaUrl) : undefined;
    this.#tsa = tsaHttp ? new TsaClient(tsaHttp) : undefined;
    const ignore = (res: { status: number }) => res.status;
    const readHttp = this.#upstreamLog.readHttp;
    this.#components = [
      { name: "fulcio", breaker: fulcioHttp.breaker, probe: () => fulcioHttp.call("/api/v2/configuration", {}, ignore) },
      { name: "rekor", breaker: rekorHttp.breaker, probe: () => rekorHttp.call(opts.rekorVersion === 1 ? "/api/v1/log" : "/healthz", {}, ignore) },
      ...(tsaHttp ? [{ name: "tsa", breaker: tsaHttp.breaker, probe: () => tsaHttp.call("/api/v1/timestamp/certchain", {}, ignore) }] : []),
      ...(root instanceof TufTrustRoot ? [{ name: "tuf", breaker: root.breaker, probe: () => root.refresh() }] : []),
      ...(oidcHttp ? [{ name: "oidc", breaker: oidcHttp.breaker, probe: () => tokens.token() }] : []),
      // The read side of Rekor v1 is its REST API (which has no /checkpoint); of Rekor v2, the read URL.
      ...(readHttp
        ? [{ name: "rekor-read", breaker: readHttp.breaker, probe: () => readHttp.call(opts.rekorVersion === 1 ? "/api/v1/log" : "/checkpoint", {}, ignore) }]
        : []),
    ];
    for (const c of this.#components) {
      this.#unsubscribe.push(
        c.breaker.onChange((state) => {
          if (state === "open")
            this.#log.warn({ component: c.name, reason: c.breaker.lastFailure }, "upstream is down; calls are paused and it is probed until it answers");
          else if (state === "closed") this.#log.info({ component: c.name }, "upstream is back");
          for (const l of this.#listeners) l();
        }),
      );
    }
    this.#prober = setInterval(() => void this.#probeDown(), opts.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS);
    this.#prober.unref();
  }

  /** Opens the trust root (TUF refresh or the fixed file) and builds the clients. */
  static async open(opts: ExternalBackendOptions): Promise<ExternalSigningBackend> {
    const root = opts.trustedRootFile
      ? fileTrustRoot(opts.trustedRootFile)
      : await TufTrustRoot.open({
          mirrorUrl: opts.tufMirrorUrl,
          rootFile: opts.tufRootFile,
          cacheDir: path.join(opts.dataDir, "sigstore-tuf"),
          deadlineMs: opts.upstreamDeadlineMs,
          refreshMs: opts.tufRefreshMs,
          onRefreshError: (err) => opts.log.warn({ err }, "the trusted root could not be refreshed from TUF; the last good one stays in use"),
        });
    try {
      return new ExternalSigningBackend(opts, root);
    } catch (err) {
      root.close();
      throw err;
    }
  }

  witnessesFor(keys: EntryIndexKeys): SignatureWitnesses {
    // Rekor v2 has no search: the entry's keys go to the service's own index before the signature
    // is returned (Rekor v1 keeps its own index, so nothing is recorded for it).
    const index = this.#rekor.version === 2 ? this.#entryIndex : undefined;
    const log = new ExternalLogWitness(
      this.#rekor,
      index ? (ref) => index.record({ logIndex: ref.logIndex, artifactDigest: keys.artifactDigest, signerSubject: keys.signerSubject }) : undefined,
    );
    return { all: [log, ...(this.#tsa ? [new TimestampWitness(this.#tsa)] : [])], entry: () => log.logged };
  }

  readiness(): ComponentReadiness[] {
    const logHealth = this.#upstreamLog.readiness();
    return [
      ...this.#components.map((c) => {
        const state = c.breaker.state;
        return {
          component: c.name,
          ready: state === "closed",
          // A stale trusted root or an unreadable log (tiles) does not stop signing; the others do.
          critical: c.name !== "tuf" && c.name !== "rekor-read",
          detail: state === "closed" ? "ok" : `${state === "open" ? "down" : "probing"}: ${c.breaker.lastFailure ?? "unknown failure"}`,
        };
      }),
      ...(logHealth ? [logHealth] : []),
    ];
  }

  onReadinessChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Probes every component whose circuit is due for a half-open call. */
  async #probeDown(): Promise<void> {
    if (this.#probing) return;
    this.#probing = true;
    try {
      await Promise.all(
        this.#components
          .filter((c) => c.breaker.state === "half-open")
          .map((c) => c.probe().catch((err: unknown) => this.#log.debug({ component: c.name, err }, "upstream probe failed"))),
      );
    } finally {
      this.#probing = false;
    }
  }

  close(): Promise<void> {
    clearInterval(this.#prober);
    for (const off of this.#unsubscribe) off();
    this.#listeners.clear();
    this.trustRoot.close();
    return Promise.resolve();
  }
}
