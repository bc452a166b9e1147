/**
 * An HTTP client for one upstream service (Fulcio, Rekor, a TSA, an OIDC token endpoint): every
 * request goes through {@link retryingCall} (deadline, backoff with jitter, circuit breaker), the
 * response body is read with a size limit, and statuses are classified once: 408, 429 and 5xx are
 * transient, other non-2xx statuses are handed to the caller (the upstream is alive; whether it
 * is a refusal is the caller's call). All outbound HTTP of the external mode goes through here.
 */
import { CircuitBreaker, type CircuitBreakerOptions } from "./circuit-breaker.js";
import type { BackoffPolicy } from "./backoff.js";
import { retryingCall, TransientUpstreamError } from "./retrying-call.js";

/** Largest response body read, in bytes. */
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

export interface UpstreamHttpOptions {
  /** Component name in errors and readiness. */
  readonly component: string;
  /** Base URL; request paths are appended to it (a trailing slash is dropped). */
  readonly baseUrl: string;
  /** Budget of one call, retries included, in milliseconds. */
  readonly deadlineMs: number;
  /** Longest single attempt in milliseconds; default the whole deadline. */
  readonly attemptTimeoutMs?: number;
  readonly backoff?: BackoffPolicy;
  readonly breaker?: CircuitBreakerOptions;
  /** Default {@link DEFAULT_MAX_RESPONSE_BYTES}. */
  readonly maxResponseBytes?: number;
  /** The fetch implementation (tests); default the global one. */
  readonly fetch?: typeof fetch;
}

/** A response the caller decides about. */
export interface UpstreamResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
}

export interface UpstreamRequest {
  readonly method?: "GET" | "POST";
  readonly headers?: Record<string, string>;
  readonly body?: string | Uint8Array;
  /** The RPC's cancellation. */
  readonly signal?: AbortSignal;
  /** Overrides the client's deadline for this call, in milliseconds. */
  readonly deadlineMs?: number;
}

export class UpstreamHttp {
  readonly component: string;
  readonly baseUrl: string;
  readonly breaker: CircuitBreaker;
  readonly #options: UpstreamHttpOptions;

  constructor(options: UpstreamHttpOptions) {
    if (!URL.canParse(options.baseUrl)) throw new TypeError(`${options.component}: ${options.baseUrl} is not a URL`);
    this.component = options.component;
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.breaker = new CircuitBreaker(options.breaker);
    this.#options = options;
  }

  /**
   * Sends one request (retrying transient failures) and hands back the first answer that is not
   * transient, then `decode`s it inside the attempt: a `decode` that throws a
   * TransientUpstreamError (garbage where JSON was due) makes the attempt count as failed and
   * retried; one that throws a DefinitiveError ends the call with its TrustError.
   */
  async call<T>(path: string, request: UpstreamRequest, decode: (res: UpstreamResponse) => T | Promise<T>): Promise<T> {
    const url = path.startsWith("http://") || path.startsWith("https://") ? path : `${this.baseUrl}${path}`;
    const doFetch = this.#options.fetch ?? fetch;
    const maxBytes = this.#options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    return retryingCall(
      {
        component: this.component,
        breaker: this.breaker,
        deadlineMs: request.deadlineMs ?? this.#options.deadlineMs,
        ...(this.#options.attemptTimeoutMs === undefined ? {} : { attemptTimeoutMs: this.#options.attemptTimeoutMs }),
        ...(this.#options.backoff ? { backoff: this.#options.backoff } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      },
      async (signal) => {
        const res = await doFetch(url, {
          method: request.method ?? "GET",
          headers: { "user-agent": "certus-trust", ...request.headers },
          ...(request.body === undefined ? {} : { body: request.body }),
          signal,
          redirect: "error",
        });
        const body = await readLimited(res, maxBytes, signal);
        if (res.status === 408 || res.status === 429 || res.status >= 500) {
          const retryAfter = retryAfterMs(res.headers.get("retry-after"));
          throw new TransientUpstreamError(`HTTP ${res.status}${snippet(body)}`, retryAfter === undefined ? undefined : { retryAfterMs: retryAfter });
        }
        return decode({ status: res.status, headers: res.headers, body });
      },
    );
  }
}

/** Reads a body, refusing more than `maxBytes` (a hostile or broken upstream must not exhaust memory). */
async function readLimited(res: Response, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
  const declared = Number(res.headers.get("content-length") ?? "NaN");
  if (declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new TransientUpstreamError(`response of ${declared} bytes is larger than ${maxBytes}`);
  }
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      if (signal.aborted) throw signal.reason;
      const result = await reader.read();
      if (result.done) break;
      const value: unknown = result.value;
      if (!(value instanceof Uint8Array)) throw new TransientUpstreamError("the response body is not a byte stream");
      size += value.byteLength;
      if (size > maxBytes) throw new TransientUpstreamError(`response is larger than ${maxBytes} bytes`);
      chunks.push(Buffer.from(value));
    }
  } finally {
    reader.releaseLock();
    if (size > maxBytes || signal.aborted) await res.body.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks);
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 60) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.min(Math.max(0, at - Date.now()), 60_000);
}

/** A short, printable excerpt of an error body for messages. */
export function snippet(body: Buffer): string {
  const text = body
    .subarray(0, 160)
    .toString("utf8")
    .replace(/[^\x20-\x7e]+/g, " ")
    .trim();
  return text ? `: ${text}` : "";
}

/** Parses a JSON body, or throws a transient error (garbage may be a proxy's hiccup). */
export function jsonBody(res: UpstreamResponse, what: string): unknown {
  try {
    return JSON.parse(res.body.toString("utf8"));
  } catch (err) {
    throw new TransientUpstreamError(`${what} is not JSON (HTTP ${res.status}${snippet(res.body)})`, { cause: err });
  }
}
