/**
 * Who may use the Rekor-compatible endpoints when authentication is configured.
 *
 * Reads (`GET /api/v1/log/entries…`, `POST …/retrieve`, `POST /api/v1/index/retrieve`,
 * `GET /api/v1/log`, `GET /api/v1/log/proof`) need the `read` scope, exactly as `GetTransparency`
 * does: the log's contents are not more public through one door than through the other. The log's
 * public key stays open (it is published through TUF and GetKeys' public material anyway).
 *
 * Writes (`POST /api/v1/log/entries`) are admitted in one place, here. With `compatWrites: gated`
 * (the default once `--auth` is on) an entry is taken when either
 *
 * - the caller sends the RPCs' credentials (an API key, an OIDC bearer token, or a client
 *   certificate) and holds the `sign` scope; or
 * - every verifier of the entry is a certificate issued by this instance's CA (any generation)
 *   and valid now. Stock clients (cosign, sigstore-js) cannot send an API key to Rekor, but they
 *   only hold such a certificate after our Fulcio endpoint checked their OIDC token, so this is
 *   the same authentication, one step earlier.
 *
 * Anything else is a 401 saying which of those to do. Every admitted write also passes a
 * per-peer rate limit (before its body is read), the writer's call budget, and a per-writer
 * quota of stored bytes per hour; a refusal there is a 429 with `retry-after`.
 * `compatWrites: open` keeps the upstream behaviour (anyone may append), for a loopback server.
 */
import { X509Certificate } from "node:crypto";
import type { Authenticator } from "../../auth/authenticator.js";
import { authorize } from "../../auth/authenticator.js";
import type { CallerIdentity } from "../../auth/caller.js";
import { peerOf } from "../../auth/peer.js";
import type { RateLimiter } from "../../auth/rate-limit.js";
import type { Scope } from "../../auth/scopes.js";
import { RateLimitedError, TrustError } from "../../errors.js";
import { CompatHttpError, type Req } from "./http.js";
import type { AcceptedEntry } from "./rekor-proposed.js";
import { certificateSubject } from "../verify/verifier-key.js";

/** `open`: anyone may append (upstream Rekor's behaviour); `gated`: see the module comment. */
export type CompatWritesMode = "open" | "gated";

/** Who wrote an entry, for the log line and the audit trail (never a credential). */
export interface AdmittedWriter {
  readonly id: string;
  /** How the writer was admitted. */
  readonly via: "credential" | "certificate" | "open";
}

export interface CompatAccessOptions {
  /** The configured authentication (disabled: every read is open and writes follow `open`). */
  readonly authenticator: Authenticator;
  readonly writes: CompatWritesMode;
  /** The RPCs' per-caller call budget; a write costs one call. */
  readonly callerLimiter: RateLimiter;
  /** Writes per peer address (taken before the body is read). */
  readonly peerLimiter: RateLimiter;
  /** Stored bytes per writer (the bucket refills the hourly quota evenly). */
  readonly quota: RateLimiter;
  /** Whether open-mode writers are rate-limited per peer (a server reachable from the network). */
  readonly limitOpenWriters: boolean;
  /** This instance's issuing CA certificates, every generation still trusted. */
  readonly issuers: () => readonly X509Certificate[];
  readonly now?: () => Date;
}

function header(req: Req, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The HTTP status and message for an authentication or limit failure. */
function asHttpError(err: unknown): never {
  if (err instanceof RateLimitedError) {
    throw new CompatHttpError(429, err.message, { "retry-after": String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))) });
  }
  if (err instanceof TrustError) {
    const status = err.code === "UNAUTHENTICATED" ? 401 : err.code === "PERMISSION_DENIED" ? 403 : err.code === "UNAVAILABLE" ? 503 : 500;
    if (status < 500) throw new CompatHttpError(status, err.message, status === 401 ? { "www-authenticate": 'Bearer realm="certus-trust"' } : {});
  }
  throw err;
}

export class CompatAccess {
  private readonly now: () => Date;

  constructor(private readonly opts: CompatAccessOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  /** True when writes need a credential or a certificate from this CA. */
  get gated(): boolean {
    return this.opts.writes === "gated" && this.opts.authenticator.enabled;
  }

  private async authenticate(req: Req, scope: Scope, what: string): Promise<CallerIdentity> {
    try {
      const caller = await this.opts.authenticator.authenticate({
        authorization: header(req, "authorization"),
        apiKey: header(req, "x-api-key"),
        peer: peerOf(req),
      });
      authorize(caller, scope, what);
      this.opts.callerLimiter.take(caller.rateKey);
      return caller;
    } catch (err) {
      return asHttpError(err);
    }
  }

  /** Refuses a read without the `read` scope when authentication is on. */
  async authorizeRead(req: Req, what: string): Promise<void> {
    if (!this.opts.authenticator.enabled) return;
    await this.authenticate(req, "read", what);
  }

  /** The per-peer write limit, before the body is read. */
  admitPeer(req: Req): void {
    if (!this.gated && !this.opts.limitOpenWriters) return;
    try {
      this.opts.peerLimiter.take(
        `rekor-write:${peerOf(req).address}`,
        1,
        (ms) => `too many log writes from this address (more than ${this.opts.peerLimiter.ratePerSec} per second); retry in ${ms} ms`,
      );
    } catch (err) {
      asHttpError(err);
    }
  }

  /** Admits a parsed, verified entry; throws `CompatHttpError` 401/403/429 otherwise. */
  async admitEntry(req: Req, entry: AcceptedEntry): Promise<AdmittedWriter> {
    if (!this.gated) return { id: `anonymous@${peerOf(req).address}`, via: "open" };
    let writer: AdmittedWriter & { rateKey: string };
    if (header(req, "authorization") !== undefined || header(req, "x-api-key") !== undefined) {
      const caller = await this.authenticate(req, "sign", "POST /api/v1/log/entries");
      writer = { id: caller.id, via: "credential", rateKey: caller.rateKey };
    } else {
      const problem = this.certifiedProblem(entry);
      if (problem === undefined) {
        const subject = certificateSubject(entry.verifiers[0]?.certificate) ?? "unnamed";
        writer = { id: `certificate:${subject}`, via: "certificate", rateKey: `certificate:${subject}` };
        try {
          this.opts.callerLimiter.take(writer.rateKey);
        } catch (err) {
          asHttpError(err);
        }
      } else if (peerOf(req).certificate !== undefined) {
        // A client certificate (mTLS) is the RPCs' credential too.
        const caller = await this.authenticate(req, "sign", "POST /api/v1/log/entries");
        writer = { id: caller.id, via: "credential", rateKey: caller.rateKey };
      } else {
        throw new CompatHttpError(
          401,
          `this log takes entries from signers certified by this instance (a certificate from POST /api/v2/signingCert, valid now) ` +
            `or from callers with the "sign" scope (an API key, an OIDC bearer token or a client certificate): ${problem}`,
          { "www-authenticate": 'Bearer realm="certus-trust"' },
        );
      }
    }
    const bytes = entry.body.canonical.length;
    try {
      this.opts.quota.take(
        writer.rateKey,
        bytes,
        (ms) => `log write quota: ${this.opts.quota.burst} stored bytes per hour per writer is used up; retry in ${Math.ceil(ms / 1000)} s`,
      );
    } catch (err) {
      asHttpError(err);
    }
    return { id: writer.id, via: writer.via };
  }

  /** Why the entry's verifiers are not all certificates from this CA valid now, or undefined when they are. */
  private certifiedProblem(entry: AcceptedEntry): string | undefined {
    if (entry.verifiers.length === 0) return "the entry has no verifier";
    const now = this.now().getTime();
    const issuers = this.opts.issuers();
    for (const v of entry.verifiers) {
      if (v.certificate === undefined) return "its verifier is a bare public key, not a certificate from this instance's CA";
      let leaf: X509Certificate;
      try {
        leaf = new X509Certificate(Buffer.from(v.certificate.rawData));
      } catch {
        return "its certificate cannot be read";
      }
      if (!issuers.some((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey))) return "its certificate was not issued by this instance's CA";
      if (now < leaf.validFromDate.getTime() || now > leaf.validToDate.getTime()) return "its certificate is not valid now (expired or not yet valid)";
    }
    return undefined;
  }
}
