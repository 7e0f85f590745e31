// The bookkeeping of a bounded offline store: which entries it holds, their size, and which to
// drop when it holds more than its count or byte limit — the least recently used first. Pure,
// so the service worker's Cache API store and the tests share it.

export interface LruLimits {
  maxEntries: number;
  maxBytes: number;
}

export class LruIndex {
  // A Map keeps insertion order: re-inserting on each use makes the first key the least recent.
  readonly #entries = new Map<string, number>();
  #bytes = 0;

  constructor(readonly limits: LruLimits) {}

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** Marks a key as just used (a hit); unknown keys are ignored. */
  touch(key: string): void {
    const bytes = this.#entries.get(key);
    if (bytes === undefined) return;
    this.#entries.delete(key);
    this.#entries.set(key, bytes);
  }

  /** Records a stored entry as the most recent and returns the keys to drop to stay in bounds. */
  put(key: string, bytes: number): string[] {
    this.remove(key);
    this.#entries.set(key, bytes);
    this.#bytes += bytes;
    return this.#evict(key);
  }

  remove(key: string): void {
    const bytes = this.#entries.get(key);
    if (bytes === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= bytes;
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  #evict(keep: string): string[] {
    const dropped: string[] = [];
    for (const [key, bytes] of this.#entries) {
      if (this.#entries.size <= this.limits.maxEntries && this.#bytes <= this.limits.maxBytes)
        break;
      // The entry just stored stays even when it alone is over the byte limit.
      if (key === keep) continue;
      this.#entries.delete(key);
      this.#bytes -= bytes;
      dropped.push(key);
    }
    return dropped;
  }
}
