/**
 * A pool of worker threads that run `verifyBundle`, so that verification uses every core while the
 * main thread keeps serving connections.
 *
 * Tasks go to the least busy worker; a batch is split into one chunk per worker. When every
 * worker already has `maxInFlightPerWorker` tasks, the pool reports itself saturated and the
 * caller verifies in its own thread instead of queueing further (the verdict is the same; only
 * latency differs). A worker that dies fails the tasks it held with `UnavailableError` (the
 * caller may retry) and is replaced.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { UnavailableError } from "../errors.js";
import type { VerifyReply, VerifyTask, WorkerSetup } from "./protocol.js";

/** Workers by default: one per core. */
export const DEFAULT_VERIFY_WORKERS = availableParallelism();
/** Tasks a worker may hold before the pool counts it as busy. */
export const DEFAULT_MAX_IN_FLIGHT_PER_WORKER = 64;
/** A worker that dies sooner than this after starting is replaced only after this delay, ms. */
const RESTART_DELAY_MS = 1_000;

/** How a pool is built. */
export interface VerifyPoolOptions {
  /** Worker threads (at least 1). */
  readonly size: number;
  /** The service's trusted root (JSON), which every worker loads at start. */
  readonly serviceRoot: unknown;
  /** Tasks per worker before the pool is saturated (default {@link DEFAULT_MAX_IN_FLIGHT_PER_WORKER}). */
  readonly maxInFlightPerWorker?: number;
  /** The worker script (default: `worker.js` beside this module, see {@link defaultWorkerScript}). */
  readonly script?: URL;
  /** Told when a worker dies, with why. */
  readonly onWorkerExit?: (reason: string) => void;
}

/** A task without its id (the pool numbers them). */
export type PoolTask = Omit<VerifyTask, "id">;

interface Chunk {
  readonly resolve: (replies: VerifyReply[]) => void;
  readonly reject: (err: Error) => void;
  readonly size: number;
}

interface Slot {
  worker: Worker;
  startedAt: number;
  inFlight: number;
  readonly chunks: Map<number, Chunk>;
}

/**
 * The compiled worker script: beside this module when running from `dist/`; from the TypeScript
 * sources (tests), the built copy in `dist/` if there is one. Undefined when there is none, and
 * the caller then verifies in-thread.
 */
export function defaultWorkerScript(): URL | undefined {
  const beside = new URL("./worker.js", import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = new URL("../../dist/src/verify-pool/worker.js", import.meta.url);
  return existsSync(fileURLToPath(built)) ? built : undefined;
}

/** Worker threads running the verification engine. */
export class VerifyPool {
  readonly #slots: Slot[] = [];
  readonly #script: URL;
  readonly #setup: WorkerSetup;
  readonly #maxInFlight: number;
  readonly #onWorkerExit: ((reason: string) => void) | undefined;
  #nextId = 1;
  #closed = false;

  /** @throws TypeError for a size below 1 or when no worker script can be found */
  constructor(options: VerifyPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) throw new TypeError(`verify pool size must be a positive integer, got ${options.size}`);
    const script = options.script ?? defaultWorkerScript();
    if (!script) throw new TypeError("verify pool: the compiled worker script (verify-pool/worker.js) was not found; build with tsc -b");
    this.#script = script;
    this.#setup = { serviceRoot: options.serviceRoot };
    this.#maxInFlight = options.maxInFlightPerWorker ?? DEFAULT_MAX_IN_FLIGHT_PER_WORKER;
    this.#onWorkerExit = options.onWorkerExit;
    for (let i = 0; i < options.size; i++) this.#slots.push(this.#start());
  }

  /** Number of workers. */
  get size(): number {
    return this.#slots.length;
  }

  /** Whether `tasks` more tasks would exceed every worker's share (the caller should verify in-thread). */
  saturated(tasks = 1): boolean {
    if (this.#closed) return true;
    const room = this.#slots.reduce((sum, slot) => sum + Math.max(0, this.#maxInFlight - slot.inFlight), 0);
    return room < tasks;
  }

  /**
   * Judges the tasks on the workers, split in at most one chunk per worker, least busy first.
   * Replies are in the order of `tasks`.
   * @throws UnavailableError when a worker died holding them or the pool is closed
   */
  async run(tasks: readonly PoolTask[]): Promise<VerifyReply[]> {
    if (this.#closed) throw new UnavailableError("verify", "the verification pool is shut down");
    if (tasks.length === 0) return [];
    const slots = this.#slots.filter((slot) => Number.isFinite(slot.inFlight)).sort((a, b) => a.inFlight - b.inFlight);
    if (slots.length === 0) throw new UnavailableError("verify", "no verification worker is running; retry shortly", { retryAfterMs: RESTART_DELAY_MS });
    const chunks = Math.min(slots.length, tasks.length);
    const per = Math.ceil(tasks.length / chunks);
    const parts: Promise<VerifyReply[]>[] = [];
    for (let c = 0; c < chunks; c++) {
      const part = tasks.slice(c * per, (c + 1) * per);
      if (part.length > 0) parts.push(this.#send(slots[c]!, part));
    }
    return (await Promise.all(parts)).flat();
  }

  /** Stops every worker; tasks still held fail with UnavailableError. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(
      this.#slots.map(async (slot) => {
        this.#fail(slot, new UnavailableError("verify", "the server is shutting down"));
        await slot.worker.terminate();
      }),
    );
  }

  #send(slot: Slot, part: readonly PoolTask[]): Promise<VerifyReply[]> {
    const id = this.#nextId++;
    const tasks: VerifyTask[] = part.map((t, i) => ({ ...t, id: i }));
    return new Promise((resolve, reject) => {
      slot.chunks.set(id, { resolve, reject, size: tasks.length });
      slot.inFlight += tasks.length;
      slot.worker.postMessage({ id, tasks });
    });
  }

  #start(): Slot {
    const worker = new Worker(this.#script, { workerData: this.#setup });
    const slot: Slot = { worker, startedAt: Date.now(), inFlight: 0, chunks: new Map() };
    // An idle pool must not keep the process alive; the server closes it explicitly.
    worker.unref();
    worker.on("message", (message: { id: number; replies: VerifyReply[] }) => {
      const chunk = slot.chunks.get(message.id);
      if (!chunk) return;
      slot.chunks.delete(message.id);
      slot.inFlight -= chunk.size;
      chunk.resolve(message.replies);
    });
    let reason = "exited";
    worker.on("error", (err) => {
      reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    });
    worker.on("exit", (code) => {
      if (this.#closed) return;
      const why = `verification worker ${reason === "exited" ? `exited with code ${code}` : `failed (${reason})`}`;
      this.#onWorkerExit?.(why);
      this.#fail(slot, new UnavailableError("verify", `${why}; retry the request`, { retryAfterMs: 100 }));
      const restart = () => {
        if (this.#closed) return;
        const index = this.#slots.indexOf(slot);
        if (index >= 0) this.#slots[index] = this.#start();
      };
      // Remove the dead worker from rotation now; start its replacement (later if it died young).
      slot.inFlight = Number.POSITIVE_INFINITY;
      if (Date.now() - slot.startedAt < RESTART_DELAY_MS) setTimeout(restart, RESTART_DELAY_MS).unref();
      else restart();
    });
    return slot;
  }

  #fail(slot: Slot, err: Error): void {
    for (const chunk of slot.chunks.values()) chunk.reject(err);
    slot.chunks.clear();
    slot.inFlight = 0;
  }
}
