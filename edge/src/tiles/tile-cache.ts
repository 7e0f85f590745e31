// In-memory LRU of encoded tiles, bounded by bytes, indexed by z/x/y so a change can drop
// exactly the tiles it touches (for every source combination that includes the source).
export interface CachedTile {
  /** gzip-compressed MVT (stored compressed; decompressed only for clients without gzip). */
  gzip: Uint8Array;
  rawBytes: number;
  etag: string;
  sources: string[];
  createdAt: number;
}

export class TileCache {
  private entries = new Map<string, CachedTile>();
  private byTile = new Map<string, Set<string>>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly maxBytes: number) {}

  static key(sources: string[], z: number, x: number, y: number, variant: string) {
    return `${sources.join(',')}|${z}/${x}/${y}|${variant}`;
  }

  get(key: string): CachedTile | undefined {
    const entry = this.entries.get(key);
    if (!entry) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Refresh recency: Map keeps insertion order, the first entry is the least recent.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  set(key: string, tile: { z: number; x: number; y: number }, entry: CachedTile) {
    if (entry.gzip.byteLength > this.maxBytes) return;
    this.delete(key);
    this.entries.set(key, entry);
    this.bytes += entry.gzip.byteLength;
    const tk = `${tile.z}/${tile.x}/${tile.y}`;
    const set = this.byTile.get(tk) ?? new Set<string>();
    this.byTile.set(tk, set);
    set.add(key);
    while (this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.delete(oldest);
    }
  }

  delete(key: string) {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.gzip.byteLength;
    const tk = key.split('|')[1]!;
    const set = this.byTile.get(tk);
    set?.delete(key);
    if (set && set.size === 0) this.byTile.delete(tk);
  }

  /** Drops cached tiles at these coordinates whose sources include `source`. Returns how many. */
  invalidate(source: string, tiles: Array<{ z: number; x: number; y: number }>): number {
    let dropped = 0;
    for (const t of tiles) {
      const set = this.byTile.get(`${t.z}/${t.x}/${t.y}`);
      if (!set) continue;
      for (const key of [...set]) {
        if (this.entries.get(key)?.sources.includes(source)) {
          this.delete(key);
          dropped++;
        }
      }
    }
    return dropped;
  }

  clear() {
    this.entries.clear();
    this.byTile.clear();
    this.bytes = 0;
  }

  get size() {
    return this.entries.size;
  }

  get totalBytes() {
    return this.bytes;
  }
}
