/**
 * The trusted root of the external mode: the `trusted_root.json` target of a TUF repository
 * (the public-good one, or a private mirror), fetched with tuf-js's `Updater` from the configured
 * mirror and bootstrapped from a root.json the operator provides (TUF's trust on first use is
 * exactly that file). Metadata and the target are cached under the data directory, so a restart
 * during an outage of the mirror starts from the cache. Refreshed periodically; a failed refresh
 * keeps the last good root and reports the `tuf` component down until a refresh succeeds.
 *
 * Alternatively a fixed `trusted_root.json` file (no TUF, no refresh).
 */
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Updater } from "tuf-js";
import { UnavailableError } from "../../errors.js";
import type { PublishedKey, TrustRootSource, TufLocation } from "../trust-root-source.js";
import { CircuitBreaker } from "./circuit-breaker.js";
import { publishedKeysOf } from "./published-keys.js";
import { retryingCall } from "./retrying-call.js";

/** The TUF target holding the trusted root. */
export const TRUSTED_ROOT_TARGET = "trusted_root.json";
/** Largest trusted root accepted, in bytes. */
const MAX_TRUSTED_ROOT_BYTES = 4 * 1024 * 1024;

export interface TufTrustRootOptions {
  /** The repository's base URL (metadata at `<url>/N.root.json`, targets at `<url>/targets/`). */
  readonly mirrorUrl: string;
  /** The root.json to trust on first use. */
  readonly rootFile: string;
  /** Where metadata and targets are cached (created 0700). */
  readonly cacheDir: string;
  /** Budget of one refresh, retries included, in milliseconds. */
  readonly deadlineMs: number;
  /** Time between refreshes, in milliseconds. */
  readonly refreshMs: number;
  /** Told when a periodic refresh fails (the last good root stays in use). */
  readonly onRefreshError?: (err: unknown) => void;
}

/** An external source of the trusted root: the port, and the circuit of its upstream (TUF only). */
export interface ExternalTrustRoot extends TrustRootSource {
  readonly breaker: CircuitBreaker | undefined;
}

function parseRoot(bytes: Buffer, where: string): Record<string, unknown> {
  if (bytes.length > MAX_TRUSTED_ROOT_BYTES) throw new UnavailableError("tuf", `${where} is larger than ${MAX_TRUSTED_ROOT_BYTES} bytes`);
  try {
    const value = JSON.parse(bytes.toString("utf8")) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
    return value as Record<string, unknown>;
  } catch (err) {
    throw new UnavailableError("tuf", `${where} is not a trusted root JSON object`, { cause: err });
  }
}

/** A fixed trusted root file. */
export function fileTrustRoot(file: string): ExternalTrustRoot {
  const root = parseRoot(readFileSync(file), file);
  return {
    current: () => root,
    signingConfig: () => undefined,
    tuf: () => undefined,
    publishedKeys: () => publishedKeysOf(root),
    breaker: undefined,
    close: () => {},
  };
}

export class TufTrustRoot implements ExternalTrustRoot {
  readonly breaker = new CircuitBreaker();
  readonly #options: TufTrustRootOptions;
  readonly #metadataDir: string;
  readonly #targetDir: string;
  readonly #mirror: string;
  #root: Record<string, unknown> | undefined;
  #rootVersion = 0;
  #keys: { root: Readonly<Record<string, unknown>>; keys: PublishedKey[] } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;

  private constructor(options: TufTrustRootOptions) {
    this.#options = options;
    this.#mirror = options.mirrorUrl.replace(/\/+$/, "");
    // One cache per mirror: switching mirrors must not mix their metadata.
    const dir = path.join(options.cacheDir, createHash("sha256").update(this.#mirror).digest("hex").slice(0, 16));
    this.#metadataDir = dir;
    this.#targetDir = path.join(dir, "targets");
  }

  /**
   * Seeds the cache with the configured root (first start), refreshes once and starts the
   * periodic refresh. When the mirror cannot be reached but a cached root exists, starts from it
   * (the `tuf` component reads as down); with neither, throws `UnavailableError`.
   */
  static async open(options: TufTrustRootOptions): Promise<TufTrustRoot> {
    const source = new TufTrustRoot(options);
    mkdirSync(source.#targetDir, { recursive: true, mode: 0o700 });
    const seeded = path.join(source.#metadataDir, "root.json");
    if (!existsSync(seeded)) copyFileSync(options.rootFile, seeded);
    try {
      await source.refresh();
    } catch (err) {
      const cached = path.join(source.#targetDir, TRUSTED_ROOT_TARGET);
      if (!existsSync(cached)) throw err;
      source.#root = parseRoot(readFileSync(cached), "the cached trusted root");
      source.#rootVersion = source.#localRootVersion();
      options.onRefreshError?.(err);
    }
    source.#timer = setInterval(() => {
      source.refresh().catch((err: unknown) => options.onRefreshError?.(err));
    }, options.refreshMs);
    source.#timer.unref();
    return source;
  }

  current(): Readonly<Record<string, unknown>> {
    const root = this.#root;
    if (!root) throw new UnavailableError("tuf", "no trusted root has been loaded");
    return root;
  }

  signingConfig(): undefined {
    return undefined;
  }

  /** The keys of the current root (recomputed only when a refresh replaced it). */
  publishedKeys(): PublishedKey[] {
    const root = this.current();
    if (this.#keys?.root !== root) this.#keys = { root, keys: publishedKeysOf(root) };
    return this.#keys.keys;
  }

  tuf(): TufLocation {
    return { url: `${this.#mirror}/`, rootVersion: this.#rootVersion };
  }

  /** Runs the TUF client workflow once (shared by concurrent callers). */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#refresh().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async #refresh(): Promise<void> {
    const bytes = await retryingCall({ component: "tuf", breaker: this.breaker, deadlineMs: this.#options.deadlineMs }, async () => {
      const updater = new Updater({
        metadataDir: this.#metadataDir,
        metadataBaseUrl: this.#mirror,
        targetDir: this.#targetDir,
        targetBaseUrl: `${this.#mirror}/targets`,
        config: { fetchTimeout: this.#options.deadlineMs, fetchRetries: 0, fetchRetry: 0 },
      });
      await updater.refresh();
      const info = await updater.getTargetInfo(TRUSTED_ROOT_TARGET);
      if (info === undefined) throw new Error(`the repository has no ${TRUSTED_ROOT_TARGET} target`);
      const file = (await updater.findCachedTarget(info)) ?? (await updater.downloadTarget(info));
      return readFileSync(file);
    });
    this.#root = parseRoot(bytes, `the ${TRUSTED_ROOT_TARGET} target`);
    this.#rootVersion = this.#localRootVersion();
  }

  #localRootVersion(): number {
    try {
      const root = JSON.parse(readFileSync(path.join(this.#metadataDir, "root.json"), "utf8")) as { signed?: { version?: unknown } };
      return typeof root.signed?.version === "number" ? root.signed.version : 0;
    } catch {
      return 0;
    }
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}
