/**
 * A pool of worker threads that run `verifyBundle`, so that verification uses every core while the
 * main thread keeps serving connections: no verification runs on the main thread when there is a
 * pool (the attack pass of issue #14 froze `/readyz` for 9.5 s with 200 bundles judged in-thread).
 *
 * A request's tasks are cut into chunks of at most {@link CHUNK_TASKS}; each worker holds chunks of
 * at most {@link MAX_HELD_TASKS} tasks in all (so it never idles waiting for the main thread to
 * send the next one) and the others wait in one FIFO queue, so a large request does not starve
 * small ones. Every chunk carries its request's deadline: a chunk still queued (or still waiting in
 * a worker) at its deadline is dropped, and a worker still busy with one at its deadline is
 * terminated (JavaScript cannot interrupt a running computation any other way) and replaced, the
 * chunks it held behind that one going back to the queue; the request fails with
 * `DEADLINE_EXCEEDED`.
 * When more than `maxQueuedTasks` wait, new requests are refused with `RESOURCE_EXHAUSTED` and a
 * retry hint. A worker that dies fails the chunk it was on with `UnavailableError` (the caller
 * may retry), the others it held are queued again, and it is replaced.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { RateLimitedError, TrustError, UnavailableError } from "../errors.js";
import type { ChunkMessage, ChunkReply, VerifyReply, VerifyTask, WorkerSetup } from "./protocol.js";

/** Workers by default: one per core. */
export const DEFAULT_VERIFY_WORKERS = availableParallelism();
/** Tasks that may wait for a worker before new requests are refused. */
export const DEFAULT_MAX_QUEUED_TASKS = 4096;
/** Most tasks in one chunk (one worker's turn). */
export const CHUNK_TASKS = 16;
/**
 * Most tasks one worker holds: a worker gets the next chunk while it judges the one before, so it
 * never waits for the main thread between two (at least one chunk, whatever its size).
 */
export const MAX_HELD_TASKS = CHUNK_TASKS;
/**
 * Each worker's V8 heap. A small young generation: a verification's garbage is short-lived, and
 * the default (up to 48 MB per thread) made the server's peak RSS ~130 MB higher with two workers
 * under the bench's verify load (596-645 MB against 476-496 MB; CPU per verification within the
 * noise). The old generation holds the memos (~10 MB); a worker past the cap dies with
 * ERR_WORKER_OUT_OF_MEMORY, fails the chunk it was on as UNAVAILABLE and is replaced.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 256 } as const;
/** A worker that dies sooner than this after starting is replaced only after this delay, ms. */
const RESTART_DELAY_MS = 1_000;

/** How a pool is built. */
export interface VerifyPoolOptions {
  /** Worker threads (at least 1). */
  readonly size: number;
  /** The service's trusted root (JSON), which every worker loads at start. */
  readonly serviceRoot: unknown;
  /** Tasks that may wait before requests are refused (default {@link DEFAULT_MAX_QUEUED_TASKS}). */
  readonly maxQueuedTasks?: number;
  /** The worker script (default: `worker.js` beside this module, see {@link defaultWorkerScript}). */
  readonly script?: URL;
  /** Told when a worker dies, with why. */
  readonly onWorkerExit?: (reason: string) => void;
}

/** A task without its id (the pool numbers them). */
export type PoolTask = Omit<VerifyTask, "id">;

/** What one request shares between its chunks. */
interface Run {
  /** Absolute time (performance.now(), ms) by which every chunk must be done. */
  readonly deadlineAt: number;
  readonly budgetMs: number;
  settled: boolean;
}

interface Chunk {
  readonly run: Run;
  readonly tasks: readonly VerifyTask[];
  readonly resolve: (replies: VerifyReply[]) => void;
  readonly reject: (err: Error) => void;
}

/** A chunk given to a worker: its message id and deadline timer. */
interface Held {
  readonly id: number;
  readonly chunk: Chunk;
  readonly timer: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  startedAt: number;
  alive: boolean;
  /** The chunks this worker holds, in the order it judges them: the first is the one it is on. */
  held: Held[];
  /** Tasks in `held`. */
  heldTasks: number;
}

/** The request ran past its verification budget. */
export class VerifyDeadlineError extends TrustError {
  constructor(budgetMs: number) {
    super("DEADLINE_EXCEEDED", `verification did not finish within its budget of ${budgetMs} ms; send fewer bundles per request or simpler expectations`);
    this.name = "VerifyDeadlineError";
  }
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
  readonly #queue: Chunk[] = [];
  readonly #script: URL;
  readonly #setup: WorkerSetup;
  readonly #maxQueued: number;
  readonly #onWorkerExit: ((reason: string) => void) | undefined;
  #queuedTasks = 0;
  #nextId = 1;
  #closed = false;

  /** @throws TypeError for a size below 1 or when no worker script can be found */
  constructor(options: VerifyPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) throw new TypeError(`verify pool size must be a positive integer, got ${options.size}`);
    const script = options.script ?? defaultWorkerScript();
    if (!script) throw new TypeError("verify pool: the compiled worker script (verify-pool/worker.js) was not found; build with tsc -b");
    this.#script = script;
    this.#setup = { serviceRoot: options.serviceRoot };
    this.#maxQueued = options.maxQueuedTasks ?? DEFAULT_MAX_QUEUED_TASKS;
    this.#onWorkerExit = options.onWorkerExit;
    for (let i = 0; i < options.size; i++) this.#slots.push(this.#start());
  }

  /** Number of workers. */
  get size(): number {
    return this.#slots.length;
  }

  /** Tasks waiting for a worker. */
  get queued(): number {
    return this.#queuedTasks;
  }

  /**
   * Judges the tasks on the workers within `budgetMs`. Replies are in the order of `tasks`.
   * @throws VerifyDeadlineError past the budget; RateLimitedError when the queue is full;
   *   UnavailableError when a worker died holding them or the pool is closed
   */
  async run(tasks: readonly PoolTask[], budgetMs: number): Promise<VerifyReply[]> {
    if (this.#closed) throw new UnavailableError("verify", "the verification pool is shut down");
    if (tasks.length === 0) return [];
    if (this.#queuedTasks + tasks.length > this.#maxQueued) {
      throw new RateLimitedError(`the verification queue is full (${this.#queuedTasks} bundles waiting); retry shortly`, 1_000);
    }
    const run: Run = { deadlineAt: performance.now() + budgetMs, budgetMs, settled: false };
    const parts: Promise<VerifyReply[]>[] = [];
    for (let c = 0; c < tasks.length; c += CHUNK_TASKS) {
      const part = tasks.slice(c, c + CHUNK_TASKS).map((t, i): VerifyTask => ({ ...t, id: i }));
      parts.push(new Promise((resolve, reject) => this.#queue.push({ run, tasks: part, resolve, reject })));
      this.#queuedTasks += part.length;
    }
    this.#pump();
    try {
      return (await Promise.all(parts)).flat();
    } finally {
      // The other chunks of a failed request are dropped when their turn comes.
      run.settled = true;
    }
  }

  /** Stops every worker; queued and running chunks fail with UnavailableError. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const err = new UnavailableError("verify", "the server is shutting down");
    for (const chunk of this.#queue.splice(0)) chunk.reject(err);
    this.#queuedTasks = 0;
    await Promise.all(
      this.#slots.map(async (slot) => {
        for (const held of slot.held.splice(0)) {
          clearTimeout(held.timer);
          held.chunk.reject(err);
        }
        slot.heldTasks = 0;
        await slot.worker.terminate();
      }),
    );
  }

  /** The next queued chunk still wanted; a chunk past its deadline fails on the way. */
  #next(): Chunk | undefined {
    let chunk: Chunk | undefined;
    while ((chunk = this.#queue.shift()) !== undefined) {
      this.#queuedTasks -= chunk.tasks.length;
      if (chunk.run.settled) continue;
      if (performance.now() >= chunk.run.deadlineAt) {
        chunk.reject(new VerifyDeadlineError(chunk.run.budgetMs));
        continue;
      }
      return chunk;
    }
    return undefined;
  }

  /**
   * Hands queued chunks to the workers, each to the least loaded one that holds fewer than
   * {@link MAX_HELD_TASKS} tasks, in one message per worker.
   */
  #pump(): void {
    const batches = new Map<Slot, ChunkMessage[]>();
    while (this.#queue.length > 0) {
      let slot: Slot | undefined;
      for (const s of this.#slots) if (s.alive && s.heldTasks < MAX_HELD_TASKS && (!slot || s.heldTasks < slot.heldTasks)) slot = s;
      if (slot === undefined) break;
      const chunk = this.#next();
      if (chunk === undefined) break;
      const id = this.#nextId++;
      const target = slot;
      const timer = setTimeout(() => this.#expire(target, id), chunk.run.deadlineAt - performance.now());
      timer.unref();
      slot.held.push({ id, chunk, timer });
      slot.heldTasks += chunk.tasks.length;
      let batch = batches.get(slot);
      if (!batch) batches.set(slot, (batch = []));
      batch.push({ id, deadline: performance.timeOrigin + chunk.run.deadlineAt, tasks: chunk.tasks });
    }
    // Copied, not transferred: a chunk is re-sent to another worker when its worker is stopped.
    for (const [slot, batch] of batches) slot.worker.postMessage(batch);
  }

  /** A held chunk's deadline came. */
  #expire(slot: Slot, id: number): void {
    const index = slot.held.findIndex((h) => h.id === id);
    if (index < 0) return;
    const [held] = slot.held.splice(index, 1);
    if (held === undefined) return;
    slot.heldTasks -= held.chunk.tasks.length;
    held.chunk.reject(new VerifyDeadlineError(held.chunk.run.budgetMs));
    // Waiting behind another chunk: the worker skips it when its turn comes.
    if (index > 0) return;
    // Still judging at the deadline: only terminating the thread stops it. The chunks waiting
    // behind it go back to the front of the queue for another worker.
    slot.alive = false;
    this.#requeue(slot);
    this.#onWorkerExit?.(`verification worker stopped: a task ran past its budget of ${held.chunk.run.budgetMs} ms`);
    void slot.worker.terminate();
    this.#pump();
  }

  /** Puts the chunks a worker holds back at the front of the queue, in order. */
  #requeue(slot: Slot): void {
    const held = slot.held.splice(0);
    slot.heldTasks = 0;
    for (const h of held) clearTimeout(h.timer);
    this.#queue.unshift(...held.map((h) => h.chunk));
    for (const h of held) this.#queuedTasks += h.chunk.tasks.length;
  }

  #start(): Slot {
    const worker = new Worker(this.#script, { workerData: this.#setup, resourceLimits: WORKER_LIMITS });
    const slot: Slot = { worker, startedAt: Date.now(), alive: true, held: [], heldTasks: 0 };
    // An idle pool must not keep the process alive; the server closes it explicitly.
    worker.unref();
    worker.on("message", (message: ChunkReply) => {
      const index = slot.held.findIndex((h) => h.id === message.id);
      const [held] = index < 0 ? [] : slot.held.splice(index, 1);
      if (held === undefined) return;
      clearTimeout(held.timer);
      slot.heldTasks -= held.chunk.tasks.length;
      if ("expired" in message) held.chunk.reject(new VerifyDeadlineError(held.chunk.run.budgetMs));
      else held.chunk.resolve(message.replies);
      this.#pump();
    });
    let reason = "exited";
    worker.on("error", (err) => {
      reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    });
    worker.on("exit", (code) => {
      if (this.#closed) return;
      const why = `verification worker ${reason === "exited" ? `exited with code ${code}` : `failed (${reason})`}`;
      if (slot.alive) this.#onWorkerExit?.(why);
      this.#fail(slot, new UnavailableError("verify", `${why}; retry the request`, { retryAfterMs: 100 }));
      slot.alive = false;
      this.#pump();
      const restart = () => {
        if (this.#closed) return;
        const index = this.#slots.indexOf(slot);
        if (index >= 0) this.#slots[index] = this.#start();
        this.#pump();
      };
      // Start its replacement (later if it died young).
      if (Date.now() - slot.startedAt < RESTART_DELAY_MS) setTimeout(restart, RESTART_DELAY_MS).unref();
      else restart();
    });
    return slot;
  }

  /** Fails the chunk the worker was on with `err`; the others go back to the queue. */
  #fail(slot: Slot, err: Error): void {
    const current = slot.held.shift();
    if (current) {
      clearTimeout(current.timer);
      slot.heldTasks -= current.chunk.tasks.length;
      current.chunk.reject(err);
    }
    this.#requeue(slot);
  }
}
