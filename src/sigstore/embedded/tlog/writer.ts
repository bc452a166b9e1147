/**
 * The main thread's side of the log's write thread (`writer-thread.ts`): posts a batch and awaits
 * the thread's "durable" reply, so the event loop never runs a transaction, a sync or a checkpoint.
 *
 * Batches are posted one at a time by the log (group commit) and answered in order. A failure
 * comes back as the same domain error the synchronous store reported (store-errors.ts); a thread
 * that dies fails what it held as Unavailable and is started again for the next batch.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { TrustError, UnavailableError } from "../../../errors.js";
import { LOG_COMPONENT, STORE_RETRY_AFTER_MS, toStoreError } from "./store-errors.js";
import type { CommitFailure, CommitMessage, CommitReply, ReadyReply, WriterSetup } from "./writer-protocol.js";

/** One batch as the thread takes it (store.ts builds it from a `BatchWrite`). */
export type BatchRows = Omit<CommitMessage, "id">;

/** The thread's module: compiled beside this one in `dist/`, else the TypeScript source (tests). */
function threadScript(): URL {
  const compiled = new URL("./writer-thread.js", import.meta.url);
  return existsSync(fileURLToPath(compiled)) ? compiled : new URL("./writer-thread.ts", import.meta.url);
}

/** The domain error for a failure the thread reported. */
function toError(failure: CommitFailure, action: string): TrustError {
  if (failure.kind === "sync") {
    return new UnavailableError(LOG_COMPONENT, `${action} failed: cannot sync the log to disk`, {
      cause: new Error(failure.message),
      retryAfterMs: STORE_RETRY_AFTER_MS,
    });
  }
  const cause = Object.assign(new Error(failure.message), failure.kind === "sqlite" ? { errcode: failure.errcode } : {});
  return toStoreError(cause, action);
}

interface Pending {
  resolve(): void;
  reject(err: Error): void;
}

/** One write thread for one log database. */
export class LogWriter {
  private readonly setup: WriterSetup;
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private inFlight = 0;

  constructor(setup: WriterSetup) {
    this.setup = setup;
  }

  /** Starts the thread now (it opens its connection meanwhile); commits also start it if needed. */
  start(): void {
    if (this.worker !== undefined) return;
    const worker = new Worker(threadScript(), { workerData: this.setup });
    // Kept alive only while a batch is in it: an idle log does not hold the process open.
    worker.unref();
    this.worker = worker;
    // Until the thread says it is ready, a commit waits; a thread that cannot open fails it.
    this.ready = new Promise<void>((resolve, reject) => {
      worker.once("message", (reply: ReadyReply) => {
        if (reply.ready) resolve();
        else reject(toError(reply.failure, "open database"));
        worker.on("message", (r: CommitReply) => this.settle(r));
      });
      worker.once("exit", () => reject(new UnavailableError(LOG_COMPONENT, "the log's write thread stopped", { retryAfterMs: STORE_RETRY_AFTER_MS })));
    });
    this.ready.catch(() => undefined);
    worker.on("error", () => undefined); // reported through "exit"
    worker.on("exit", (code) => {
      if (this.worker === worker) this.worker = undefined;
      const err = new UnavailableError(LOG_COMPONENT, `commit batch failed: the log's write thread stopped (exit code ${code})`, {
        retryAfterMs: STORE_RETRY_AFTER_MS,
      });
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  private settle(reply: CommitReply): void {
    const p = this.pending.get(reply.id);
    if (p === undefined) return;
    this.pending.delete(reply.id);
    if (reply.ok) p.resolve();
    else p.reject(toError(reply.failure, "commit batch"));
  }

  /** Writes one batch in one transaction and resolves once it is durable (COMMIT and fdatasync). */
  async commit(batch: BatchRows): Promise<void> {
    this.start();
    const worker = this.worker;
    // Referenced while a batch is on its way or in the thread, so the process waits for it.
    this.inFlight++;
    worker?.ref();
    try {
      await this.send(worker, batch);
    } finally {
      if (--this.inFlight === 0) worker?.unref();
    }
  }

  private async send(worker: Worker | undefined, batch: BatchRows): Promise<void> {
    await this.ready;
    if (worker === undefined || worker !== this.worker) {
      throw new UnavailableError(LOG_COMPONENT, "commit batch failed: the log's write thread stopped", { retryAfterMs: STORE_RETRY_AFTER_MS });
    }
    const id = this.nextId++;
    const msg: CommitMessage = { id, ...batch };
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage(msg);
    });
  }

  /** Closes the thread's connection and waits for the thread to end. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (worker === undefined) return;
    this.worker = undefined;
    worker.ref();
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    await this.ready?.catch(() => undefined);
    worker.postMessage("close");
    await exited;
  }
}
