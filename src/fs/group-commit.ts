/**
 * Group commit: many concurrent callers, one transaction per batch.
 *
 * Requests queue while a batch is being committed; when it is done the next batch takes everything
 * queued (up to `maxBatchSize`). A caller's promise settles only when its batch has settled, so
 * "resolved" means whatever the batch function guarantees (for the log: durable). Batches never
 * overlap, which is what lets the log keep its tree state in plain fields.
 */

/** Per-request result of a batch: a value, or an error for that request alone. */
export type BatchOutcome<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

/**
 * Commits a batch. Returns one outcome per request, in order; throwing fails every request of
 * the batch with that error.
 */
export type CommitBatch<Q, R> = (requests: readonly Q[]) => Promise<readonly BatchOutcome<R>[]>;

interface Pending<Q, R> {
  readonly request: Q;
  readonly resolve: (value: R) => void;
  readonly reject: (error: unknown) => void;
}

export class GroupCommitter<Q, R> {
  private readonly commitBatch: CommitBatch<Q, R>;
  private readonly maxBatchSize: number;
  private queue: Pending<Q, R>[] = [];
  private running: Promise<void> | undefined;

  constructor(commitBatch: CommitBatch<Q, R>, maxBatchSize: number) {
    if (!Number.isSafeInteger(maxBatchSize) || maxBatchSize < 1) throw new TypeError("maxBatchSize must be a positive integer");
    this.commitBatch = commitBatch;
    this.maxBatchSize = maxBatchSize;
  }

  /** Queues a request; settles when its batch has been committed (or has failed). */
  submit(request: Q): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.running ??= this.run();
    });
  }

  /** Resolves once every request queued so far has settled. */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async run(): Promise<void> {
    try {
      // Yield once so that requests submitted in the same turn of the event loop join the first
      // batch, and again after each batch so callers whose promises just settled (and pending
      // I/O) can queue before the next batch is cut.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatchSize);
        await this.settle(batch);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.running = undefined;
    }
  }

  private async settle(batch: readonly Pending<Q, R>[]): Promise<void> {
    let outcomes: readonly BatchOutcome<R>[];
    try {
      outcomes = await this.commitBatch(batch.map((p) => p.request));
      if (outcomes.length !== batch.length) throw new Error("batch returned the wrong number of outcomes");
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    outcomes.forEach((outcome, i) => {
      const p = batch[i];
      if (p === undefined) return; // lengths are equal (checked above)
      if (outcome.ok) p.resolve(outcome.value);
      else p.reject(outcome.error);
    });
  }
}
