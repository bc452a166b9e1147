/**
 * A worker's end of the IPC channel to the writer: numbered calls with one pending promise each,
 * and the writer's pushed messages (status, checkpoints) handed to subscribers.
 *
 * Why a call rejects with `UnavailableError` (component `writer`): the channel closed (the writer
 * died; the worker is about to exit), or the writer did not answer within `timeoutMs`. Either way
 * nothing was acknowledged to the caller, which is what the ports' contracts ask of a failed write
 * ("a rejected write may or may not have reached the store"): the caller retries.
 */
import { UnavailableError } from "../errors.js";
import { fromWireError, isClusterMessage, TAG, type CallMessage, type Target, type WorkerMessage, type WriterMessage } from "./protocol.js";

/** The process-level channel (a cluster worker's `process`), injectable for tests. */
export interface IpcEndpoint {
  send(message: WorkerMessage): boolean;
  on(event: "message", listener: (message: unknown) => void): unknown;
  on(event: "disconnect", listener: () => void): unknown;
}

/** Longest a call waits for the writer; the log's group commit answers in milliseconds. */
const DEFAULT_TIMEOUT_MS = 30_000;

export class WriterChannel {
  readonly #ipc: IpcEndpoint;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  readonly #listeners = new Set<(message: WriterMessage) => void>();
  #nextId = 1;
  #closed = false;

  constructor(ipc: IpcEndpoint, timeoutMs = DEFAULT_TIMEOUT_MS) {
    this.#ipc = ipc;
    this.#timeoutMs = timeoutMs;
    ipc.on("message", (message) => {
      if (!isClusterMessage(message)) return;
      const m = message as WriterMessage;
      if (m.kind === "reply") {
        const p = this.#pending.get(m.id);
        if (p === undefined) return;
        this.#pending.delete(m.id);
        clearTimeout(p.timer);
        if (m.ok) p.resolve(m.value);
        else p.reject(m.error ? fromWireError(m.error) : new UnavailableError("writer", "the writer failed without saying why"));
        return;
      }
      for (const l of this.#listeners) {
        try {
          l(m);
        } catch {
          // A throwing subscriber affects nothing else.
        }
      }
    });
    ipc.on("disconnect", () => this.#close());
  }

  /** Calls `method` of `target` in the writer; see the file comment for the failures. */
  call<T>(target: Target, method: string, ...args: unknown[]): Promise<T> {
    if (this.#closed) return Promise.reject(new UnavailableError("writer", "the writer process is gone"));
    const id = this.#nextId++;
    const message: CallMessage = { tag: TAG, kind: "call", id, target, method, args };
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new UnavailableError("writer", `no answer from the writer within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      timer.unref();
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      try {
        this.#ipc.send(message);
      } catch (err) {
        this.#pending.delete(id);
        clearTimeout(timer);
        reject(new UnavailableError("writer", "the writer process is gone", { cause: err }));
      }
    });
  }

  /** Subscribes to the writer's pushed messages; returns the unsubscribe function. */
  subscribe(listener: (message: WriterMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tells the writer something (not a call: no answer). */
  notify(message: WorkerMessage): void {
    if (!this.#closed) this.#ipc.send(message);
  }

  #close(): void {
    this.#closed = true;
    for (const [, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new UnavailableError("writer", "the writer process is gone"));
    }
    this.#pending.clear();
  }
}
