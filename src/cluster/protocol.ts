/**
 * The messages between the writer (the cluster's primary process) and its workers, over the
 * `node:cluster` IPC channel with `advanced` serialization (so Buffers, Dates and nested plain
 * objects cross as they are). One message kind per concern:
 *
 * - `call` / `reply`: a worker calls one method of one port the writer owns (the log, the state
 *   store, the CA, the TSA) and gets its result or its domain error back. Only the methods listed
 *   in {@link CALLABLE} can be called: a worker cannot close the writer's log.
 * - `hello`: the writer's answer to a new worker — the trust material and URLs it needs before
 *   composing (they are data, fixed while the writer runs).
 * - `status`: the writer's readiness and TUF root version, pushed whenever they change.
 * - `checkpoint`: each durable batch of the log, pushed to every worker (WatchCheckpoints and the
 *   log-size metric follow it).
 * - `hello` (from a worker): asks for the writer's `hello`, once its listener is in place.
 * - `listening`: a worker tells the writer it serves the port.
 *
 * Errors cross as {@link WireError} and are rebuilt with their class (`instanceof` holds on the
 * worker's side), so handlers map them to RPC codes exactly as in one process.
 */
import { InvalidArgumentError, NotFoundError, PolicyRefusedError, RateLimitedError, TrustError, UnavailableError, type TrustErrorCode } from "../errors.js";
import type { ComponentReadiness } from "../sigstore/signing-backend.js";
import { EntryExistsError, LogCannotAnswerError, type CheckpointEvent } from "../sigstore/transparency-log.js";
import type { PublishedKey } from "../sigstore/trust-root-source.js";

/** The ports a worker reaches through the writer. */
export type Target = "log" | "audit" | "permissions" | "apiKeys" | "entryIndex" | "ca" | "tsa";

/** The methods a worker may call on each target; anything else is refused by the writer. */
export const CALLABLE: Readonly<Record<Target, readonly string[]>> = {
  log: ["append", "entryByIndex", "entryByUuid", "search", "inclusionProof", "consistencyProof", "latestCheckpoint", "checkpointAt"],
  audit: ["append", "read", "verifyChainHead"],
  permissions: ["record", "get", "forScan", "byOuterEntry", "counts", "pendingCallbacks", "claimCallback", "updateCallback"],
  apiKeys: ["create", "revoke", "list", "lookup"],
  entryIndex: ["record", "find"],
  ca: ["certify"],
  tsa: ["timestamp"],
};

/** Every message carries this tag so other IPC traffic (none today) is never mistaken for ours. */
export const TAG = "certus-cluster";

export interface CallMessage {
  readonly tag: typeof TAG;
  readonly kind: "call";
  readonly id: number;
  readonly target: Target;
  readonly method: string;
  readonly args: readonly unknown[];
}

export interface ReplyMessage {
  readonly tag: typeof TAG;
  readonly kind: "reply";
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: WireError;
}

/** What a worker needs from the writer to compose the same service. */
export interface WriterInfo {
  /** The URL clients use (also the default issuer the embedded stack recorded). */
  readonly url: string;
  /** The concrete port every worker listens on (resolved once when the configuration says 0). */
  readonly port: number;
  /** The unix socket where the writer serves the paths only it can answer (TUF, Sigstore-compatible). */
  readonly pathsSocket: string;
  readonly trustedRoot: Readonly<Record<string, unknown>>;
  readonly signingConfig: Readonly<Record<string, unknown>>;
  /** The embedded instance's base URL (the signing config served to clients names it). */
  readonly baseUrl: string;
  readonly publishedKeys: readonly PublishedKey[];
  readonly identity: string;
  readonly issuer: string;
  readonly status: WriterStatus;
}

/** The writer's readiness as workers report it, and what moves while it runs. */
export interface WriterStatus {
  readonly components: readonly ComponentReadiness[];
  readonly tufRootVersion: number;
}

export type WriterMessage =
  | ReplyMessage
  | { readonly tag: typeof TAG; readonly kind: "hello"; readonly info: WriterInfo }
  | { readonly tag: typeof TAG; readonly kind: "status"; readonly status: WriterStatus }
  | { readonly tag: typeof TAG; readonly kind: "checkpoint"; readonly event: CheckpointEvent };

export type WorkerMessage =
  CallMessage | { readonly tag: typeof TAG; readonly kind: "hello" } | { readonly tag: typeof TAG; readonly kind: "listening"; readonly url: string };

/** True for a message of this protocol (the channel may carry Node's own cluster messages too). */
export function isClusterMessage(message: unknown): message is { tag: typeof TAG; kind: string } {
  return typeof message === "object" && message !== null && (message as { tag?: unknown }).tag === TAG;
}

/** An error as it crosses the channel: its class name, code, message and the fields its class carries. */
export interface WireError {
  readonly name: string;
  readonly code?: TrustErrorCode;
  readonly message: string;
  readonly fields: Readonly<Record<string, string | number | readonly string[]>>;
}

/** The classes rebuilt on the worker's side, by name; other errors arrive as a plain Error. */
const CLASSES: Readonly<Record<string, { prototype: object }>> = {
  TrustError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
  PolicyRefusedError,
  RateLimitedError,
  EntryExistsError,
  LogCannotAnswerError,
  TypeError,
};

/** The fields of the classes above that callers read (never a cause: it stays in the writer's log). */
const FIELDS = ["field", "component", "retryAfterMs", "reasons", "uuid", "logIndex", "capability", "instead"] as const;

export function toWireError(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: "Error", message: String(err), fields: {} };
  const fields: Record<string, string | number | readonly string[]> = {};
  for (const f of FIELDS) {
    const v = (err as unknown as Record<string, unknown>)[f];
    if (typeof v === "string" || typeof v === "number" || (Array.isArray(v) && v.every((x) => typeof x === "string"))) fields[f] = v;
  }
  return { name: err.name, message: err.message, fields, ...(err instanceof TrustError ? { code: err.code } : {}) };
}

/**
 * Rebuilds an error with its class: built as a TrustError (or TypeError) and given the class's
 * prototype and fields, since the constructors would re-prefix the message.
 */
export function fromWireError(wire: WireError): Error {
  const cls = CLASSES[wire.name];
  const err =
    wire.code !== undefined ? new TrustError(wire.code, wire.message) : wire.name === "TypeError" ? new TypeError(wire.message) : new Error(wire.message);
  if (cls !== undefined) Object.setPrototypeOf(err, cls.prototype);
  Object.assign(err, wire.fields);
  err.name = wire.name;
  return err;
}
