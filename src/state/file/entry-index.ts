/**
 * The entry index of the state store in a file under the data directory: for each log entry the
 * service wrote, its artifact digest and signer subject, so that "which entries sign this
 * digest / were made by this signer" has an answer where the log has no search (Rekor v2). It is
 * complete for the service's own signatures and knows nothing of entries others wrote.
 *
 * Format: one JSON object per line, `{"logIndex":N,"artifactDigest":"sha256:…","signerSubject":"…"}`,
 * appended and fsynced before `record` resolves (durability: once `record` resolved, a crash
 * does not lose the line; a torn last line from a crash mid-write is cut off at load). The whole
 * index is held in memory (a few dozen bytes per entry); one process owns the file.
 */
import { mkdirSync, readFileSync, truncateSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { UnavailableError } from "../../errors.js";
import type { EntryIndex, IndexedEntry, IndexQuery } from "../state-store.js";

export class FileEntryIndex implements EntryIndex {
  readonly #file: string;
  readonly #byDigest = new Map<string, number[]>();
  readonly #bySubject = new Map<string, number[]>();
  readonly #seen = new Set<number>();
  #handle: Promise<FileHandle> | undefined;
  #queue: Promise<void> = Promise.resolve();

  constructor(file: string) {
    this.#file = file;
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      // a new index
    }
    // A torn last line (a crash mid-append) is cut off, so the next append starts a line of its own.
    if (text !== "" && !text.endsWith("\n")) {
      const keep = text.lastIndexOf("\n") + 1;
      truncateSync(file, Buffer.byteLength(text.slice(0, keep)));
      text = text.slice(0, keep);
    }
    for (const line of text.split("\n")) {
      if (line === "") continue;
      try {
        this.#add(JSON.parse(line) as IndexedEntry);
      } catch {
        // a torn line from a crash mid-append
      }
    }
  }

  /** Entries recorded. */
  get size(): number {
    return this.#seen.size;
  }

  #add(e: IndexedEntry): void {
    if (!Number.isSafeInteger(e.logIndex) || e.logIndex < 0 || this.#seen.has(e.logIndex)) return;
    this.#seen.add(e.logIndex);
    const put = (m: Map<string, number[]>, k: string | undefined) => {
      if (k === undefined || k === "") return;
      const list = m.get(k) ?? [];
      // Appends mostly arrive in index order; keep each list sorted anyway.
      let at = list.length;
      while (at > 0 && (list[at - 1] ?? -Infinity) > e.logIndex) at--;
      list.splice(at, 0, e.logIndex);
      m.set(k, list);
    };
    put(this.#byDigest, e.artifactDigest);
    put(this.#bySubject, e.signerSubject);
  }

  record(entry: IndexedEntry): Promise<void> {
    if (this.#seen.has(entry.logIndex)) return Promise.resolve();
    const line = `${JSON.stringify({ logIndex: entry.logIndex, artifactDigest: entry.artifactDigest, signerSubject: entry.signerSubject })}\n`;
    const write = this.#queue.then(async () => {
      this.#handle ??= open(this.#file, "a", 0o600);
      const h = await this.#handle;
      await h.appendFile(line);
      await h.datasync();
    });
    this.#queue = write.catch(() => undefined);
    return write.then(
      () => this.#add(entry),
      (err: unknown) => {
        throw new UnavailableError("entry-index", "could not record the entry's search keys", { cause: err });
      },
    );
  }

  find(query: IndexQuery, page: { pageSize: number; afterIndex?: number }): Promise<{ logIndexes: number[]; nextAfterIndex: number | undefined }> {
    const list = ("artifactDigest" in query ? this.#byDigest.get(query.artifactDigest) : this.#bySubject.get(query.signerSubject)) ?? [];
    const after = page.afterIndex ?? -1;
    const from = list.findIndex((i) => i > after);
    if (from < 0) return Promise.resolve({ logIndexes: [], nextAfterIndex: undefined });
    const logIndexes = list.slice(from, from + page.pageSize);
    const more = from + page.pageSize < list.length;
    return Promise.resolve({ logIndexes, nextAfterIndex: more ? logIndexes[logIndexes.length - 1] : undefined });
  }

  async close(): Promise<void> {
    await this.#queue;
    if (this.#handle) await (await this.#handle).close();
    this.#handle = undefined;
  }
}
