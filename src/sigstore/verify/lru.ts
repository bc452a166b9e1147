/**
 * A bounded least-recently-used map.
 *
 * Trust roots arrive in requests, so the set of distinct ones is caller-controlled: the cache of
 * built trust material must be bounded or a caller could grow it without limit. A `Map` keeps
 * insertion order, so re-inserting on every hit makes its first key the least recently used.
 */
export class LruMap<K, V> {
  readonly #max: number;
  readonly #entries = new Map<K, V>();

  /** @param max - entries kept; the least recently used is dropped beyond it (at least 1). */
  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new TypeError(`LRU size must be a positive integer, got ${max}`);
    this.#max = max;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  clear(): void {
    this.#entries.clear();
  }
}
