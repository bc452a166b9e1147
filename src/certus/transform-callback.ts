/**
 * Tells Certus-Transform to execute a permitted upload: `POST <url>/v1/execute-upload` with the
 * permission, the artifacts, the scan metadata, the verification proof and the storage config
 * (snake_case JSON, the shape Transform already reads).
 *
 * - Idempotent: every attempt for one permission carries the same `Idempotency-Key` (the
 *   permission id) and the same body; Transform deduplicates on it.
 * - Authenticated: `X-Certus-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`
 *   with the shared secret from `--transform-callback-secret-file`. Transform recomputes the MAC
 *   over the raw body, compares in constant time and refuses a `t` more than 5 minutes away.
 * - Retried with exponential backoff and jitter on network errors, 408, 429 and 5xx, up to
 *   {@link DEFAULT_MAX_ATTEMPTS} attempts; any other 4xx is final. Delivery runs after the
 *   permission is answered; its state is recorded in the permission store, and pending deliveries
 *   resume after a restart and every {@link RESUME_INTERVAL_MS} (with replicas, one claims each).
 */
import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Logger } from "../logger.js";
import type { PermissionRecords, StoredPermission } from "../state/state-store.js";

/** Attempts per permission before giving up. */
export const DEFAULT_MAX_ATTEMPTS = 6;
/** First retry delay, ms; doubled each attempt (plus up to 20% jitter), capped at {@link MAX_DELAY_MS}. */
export const DEFAULT_BASE_DELAY_MS = 500;
/** Longest wait between attempts, ms. */
export const MAX_DELAY_MS = 30_000;
/** Timeout of one attempt, ms. */
export const ATTEMPT_TIMEOUT_MS = 10_000;
/** The header carrying the MAC. */
export const SIGNATURE_HEADER = "x-certus-signature";

export interface TransformCallbackOptions {
  /** Transform's base URL (the path `/v1/execute-upload` is appended). */
  url: string;
  /** The shared HMAC secret. */
  secret: Buffer;
  store: PermissionRecords;
  log: Logger;
  maxAttempts?: number;
  baseDelayMs?: number;
}

/** `t=<seconds>,v1=<hex>` for `body` at `time`. */
export function callbackSignature(secret: Buffer, body: string, time: number): string {
  const mac = createHmac("sha256", secret).update(`${time}.${body}`).digest("hex");
  return `t=${time},v1=${mac}`;
}

/** The execute-upload body for a permitted upload. */
export function executeUploadBody(p: StoredPermission): string {
  const r = p.response;
  return JSON.stringify({
    upload_permission_id: p.id,
    scan_id: p.scanId,
    tier: p.tier,
    artifacts: p.artifacts.map((a) => ({ name: a.name, hash: a.hash, size: a.size })),
    metadata: p.metadata,
    verification_proof: r["verification_proof"],
    storage_config: r["storage_config"],
  });
}

/** How long a delivery claim holds without renewal (longer than the longest backoff plus an attempt). */
const CLAIM_LEASE_MS = 10 * 60 * 1000;
/**
 * How often pending deliveries are looked for again, ms. With replicas, a replica that died
 * holding a claim loses it when the lease ends, and a live one takes the delivery over at its
 * next look (so within {@link CLAIM_LEASE_MS} plus this); a claim that failed because the state
 * store was down is retried the same way.
 */
export const RESUME_INTERVAL_MS = 60_000;

const RETRYABLE = (status: number) => status === 408 || status === 429 || status >= 500;

export class TransformCallback {
  private readonly inFlight = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly abort = new AbortController();
  private readonly endpoint: string;
  private resumeTimer: NodeJS.Timeout | undefined;
  /** Names this process in delivery claims. */
  private readonly claimant = `transform-callback:${process.pid}:${randomUUID()}`;

  constructor(private readonly opts: TransformCallbackOptions) {
    this.endpoint = `${opts.url.replace(/\/+$/, "")}/v1/execute-upload`;
  }

  /**
   * Starts delivering `permission` (no-op if it is already being delivered here, or another
   * process holds the claim on it: the store's claim makes one deliverer at a time).
   */
  deliver(permission: StoredPermission): void {
    if (this.inFlight.has(permission.id) || this.abort.signal.aborted) return;
    this.inFlight.add(permission.id);
    void this.opts.store.claimCallback(permission.id, this.claimant, CLAIM_LEASE_MS).then(
      (claimed) => {
        if (!claimed) {
          this.inFlight.delete(permission.id);
          return;
        }
        return this.attempt(permission, executeUploadBody(permission), permission.callbackAttempts + 1);
      },
      (err: unknown) => {
        this.inFlight.delete(permission.id);
        this.opts.log.error({ uploadPermissionId: permission.id, err }, "cannot claim the transform callback; it is tried again at the next resume");
      },
    );
  }

  /** Resumes deliveries left pending by a previous run (or by another replica). */
  async resume(): Promise<void> {
    for (const p of await this.opts.store.pendingCallbacks()) this.deliver(p);
  }

  /** Resumes now and every {@link RESUME_INTERVAL_MS} until `close`. */
  startResuming(onError: (err: unknown) => void): void {
    const look = () => void this.resume().catch(onError);
    look();
    this.resumeTimer = setInterval(look, RESUME_INTERVAL_MS);
    this.resumeTimer.unref();
  }

  private async attempt(p: StoredPermission, body: string, n: number): Promise<void> {
    const maxAttempts = this.opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    let outcome: { ok: true } | { ok: false; retry: boolean; detail: string };
    try {
      const res = await fetch(this.endpoint, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "idempotency-key": p.id,
          "x-certus-permission-id": p.id,
          [SIGNATURE_HEADER]: callbackSignature(this.opts.secret, body, Math.floor(Date.now() / 1000)),
        },
        body,
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]),
      });
      await res.arrayBuffer().catch(() => undefined);
      outcome = res.ok ? { ok: true } : { ok: false, retry: RETRYABLE(res.status), detail: `HTTP ${res.status}` };
    } catch (err) {
      if (this.abort.signal.aborted) return; // shutting down: stays pending, resumed at next start
      outcome = { ok: false, retry: true, detail: (err as Error).name === "TimeoutError" ? "timed out" : "network error" };
    }
    const log = { uploadPermissionId: p.id, scanId: p.scanId, attempt: n, endpoint: this.endpoint };
    try {
      if (outcome.ok) {
        await this.opts.store.updateCallback(p.id, "delivered", n);
        this.opts.log.info(log, "transform callback delivered");
        this.inFlight.delete(p.id);
        return;
      }
      if (!outcome.retry || n >= maxAttempts) {
        await this.opts.store.updateCallback(p.id, "failed", n, outcome.detail);
        this.opts.log.error({ ...log, detail: outcome.detail }, "transform callback failed; not retried");
        this.inFlight.delete(p.id);
        return;
      }
      await this.opts.store.updateCallback(p.id, "pending", n, outcome.detail);
      await this.opts.store.claimCallback(p.id, this.claimant, CLAIM_LEASE_MS);
    } catch (err) {
      this.opts.log.error({ ...log, err }, "cannot record the transform callback state");
    }
    const base = this.opts.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
    const delay = Math.min(MAX_DELAY_MS, base * 2 ** (n - 1)) * (1 + Math.random() * 0.2);
    this.opts.log.warn({ ...log, detail: outcome.ok ? "" : outcome.detail, retryInMs: Math.round(delay) }, "transform callback failed; retrying");
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(p, body, n + 1);
    }, delay);
    this.timers.add(timer);
  }

  /** Stops retrying (pending deliveries resume at the next start). */
  close(): void {
    this.abort.abort();
    clearInterval(this.resumeTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/** Shortest callback secret accepted, bytes. */
export const MIN_SECRET_BYTES = 32;

/** Reads the shared secret from its file (surrounding whitespace ignored); throws a plain Error naming the problem. */
export function readCallbackSecret(path: string): Buffer {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`transformCallbackSecretFile: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? "error"}`, { cause: err });
  }
  const secret = Buffer.from(text.trim(), "utf8");
  if (secret.length < MIN_SECRET_BYTES)
    throw new Error(`transformCallbackSecretFile: ${path} holds ${secret.length} bytes; at least ${MIN_SECRET_BYTES} are required`);
  return secret;
}
