/**
 * The durable-append primitive: an append-only file of records (one JSON line each, by the
 * callers' convention) that many callers append to concurrently.
 *
 * Durability rule (what a caller may assume):
 *
 * 1. `append()` queues the record; nothing about a queued record is promised.
 * 2. Batches are cut by group commit (`group-commit.ts`): while one batch is being written, new
 *    records queue; the next batch takes all of them, in call order. Batches never overlap, so
 *    records reach the file in the order `append()` was called.
 * 3. A batch is written with one `write` and made durable with ONE `fdatasync`, off the event
 *    loop (libuv's thread pool): a slow disk delays the callers waiting for it, never every other
 *    request. Then `afterBatch` runs (the audit trail records its head there).
 * 4. A record is durable when its `append()` resolves; a caller answers its own caller only after
 *    that, so what anyone has seen survives a crash.
 * 5. A failed write or sync rejects every record of that batch with `UnavailableError` naming the
 *    component; the file may then end in a torn line, which readers of these files skip (the
 *    previous lines are intact), and later batches are written after it.
 *
 * The embedded transparency log uses the same group committer with a SQLite transaction as its
 * "write and sync" (see `sigstore/embedded/tlog/log.ts`).
 */
import { closeSync, fdatasync, openSync, write } from "node:fs";
import { UnavailableError } from "../errors.js";
import { PRIVATE_FILE_MODE } from "./atomic-file.js";
import { GroupCommitter, type BatchOutcome } from "./group-commit.js";

/** Most records written in one batch. */
const MAX_BATCH_RECORDS = 1024;

export interface DurableAppendOptions {
  /** Names the store in errors (`audit-log`, `permission-store`). */
  readonly component: string;
  /** What a failure means to the caller, e.g. "cannot write the audit trail". */
  readonly failure: string;
  /** Runs after each durable batch, before its callers are told; a throw fails the batch. */
  readonly afterBatch?: (batch: readonly string[]) => Promise<void>;
}

export class DurableAppendFile {
  readonly #fd: number;
  readonly #committer: GroupCommitter<string, void>;
  readonly #options: DurableAppendOptions;
  #closed = false;

  /** Opens `file` for appending (created 0600). */
  constructor(
    readonly file: string,
    options: DurableAppendOptions,
  ) {
    this.#options = options;
    this.#fd = openSync(file, "a", PRIVATE_FILE_MODE);
    this.#committer = new GroupCommitter((records) => this.#writeBatch(records), MAX_BATCH_RECORDS);
  }

  /** Appends one record (a line without its newline); resolves once it is durable. */
  append(record: string): Promise<void> {
    if (this.#closed) return Promise.reject(new UnavailableError(this.#options.component, `${this.#options.failure}: the file is closed`));
    return this.#committer.submit(record);
  }

  async #writeBatch(records: readonly string[]): Promise<BatchOutcome<void>[]> {
    try {
      await writeFully(this.#fd, Buffer.from(records.join("\n") + "\n"));
      await new Promise<void>((resolve, reject) => fdatasync(this.#fd, (e) => (e ? reject(e) : resolve())));
      await this.#options.afterBatch?.(records);
    } catch (err) {
      throw new UnavailableError(this.#options.component, this.#options.failure, { cause: err });
    }
    return records.map(() => ({ ok: true, value: undefined }));
  }

  /** Waits for queued records to be durable, then closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#committer.idle();
    closeSync(this.#fd);
  }
}

/** Writes all of `data` at the end of the file (async, off the event loop). */
function writeFully(fd: number, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (offset: number) =>
      write(fd, data, offset, data.length - offset, null, (err, n) => {
        if (err) reject(err);
        else if (offset + n < data.length) step(offset + n);
        else resolve();
      });
    step(0);
  });
}
