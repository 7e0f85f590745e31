// In-memory LRU of encoded tiles, bounded by bytes, indexed by z/x/y and by zoom so a change
// (an area over a range of zooms) drops exactly the tiles it touches, for every source
// combination that includes the source. Changes are remembered while a render that started
// before them is still running, so that render never stores its stale result.
import { type BBox, type TileCoord, tileRangeOf } from './tile-math.ts';

export interface CachedTile {
  /** gzip-compressed MVT (stored compressed; decompressed only for clients without gzip). */
  gzip: Uint8Array;
  rawBytes: number;
  etag: string;
  sources: string[];
  /** Layers that left features out (README.md, Vector tiles): the `x-tile-omitted` header. */
  omitted?: string[];
  createdAt: number;
  /** Epoch ms from which the entry is stale by itself (time-dependent content). */
  staleAt?: number;
  /** A WAL position its snapshot held at least (read-routing.ts); 0 without a replica. */
  lsn?: bigint;
}

/** Something drawn somewhere in this box at these zooms. */
export interface TileArea {
  bbox: BBox;
  minZoom: number;
  maxZoom: number;
}

interface Change {
  generation: number;
  at: number;
  source: string;
  touches(tile: TileCoord): boolean;
}

/** A backstop: no render runs this long (the edge role's statement timeout is 5 s). */
const CHANGE_MEMORY_MS = 60_000;
const tileKey = (t: TileCoord) => `${t.z}/${t.x}/${t.y}`;

export class TileCache {
  private entries = new Map<string, CachedTile>();
  private byTile = new Map<string, Set<string>>();
  private byZoom = new Map<number, Set<string>>();
  private changes: Change[] = [];
  private bytes = 0;
  /** Counts changes; a render remembers it when it starts. */
  generation = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly maxBytes: number) {}

  static key(sources: string[], z: number, x: number, y: number, variant: string) {
    return `${sources.join(',')}|${z}/${x}/${y}|${variant}`;
  }

  get(key: string, now = Date.now()): CachedTile | undefined {
    const entry = this.entries.get(key);
    if (!entry || (entry.staleAt !== undefined && entry.staleAt <= now)) {
      if (entry) this.delete(key);
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Refresh recency: Map keeps insertion order, the first entry is the least recent.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  /**
   * Stores a rendered tile, unless a change touched it after `renderedAt` (the generation when
   * its render started). Returns whether it was stored.
   */
  set(key: string, tile: TileCoord, entry: CachedTile, renderedAt = this.generation): boolean {
    if (entry.gzip.byteLength > this.maxBytes) return false;
    if (this.touchedSince(renderedAt, entry.sources, tile)) return false;
    this.delete(key);
    this.entries.set(key, entry);
    this.bytes += entry.gzip.byteLength;
    const tk = tileKey(tile);
    let keys = this.byTile.get(tk);
    if (!keys) {
      keys = new Set();
      this.byTile.set(tk, keys);
      let zoom = this.byZoom.get(tile.z);
      if (!zoom) {
        zoom = new Set();
        this.byZoom.set(tile.z, zoom);
      }
      zoom.add(tk);
    }
    keys.add(key);
    while (this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.delete(oldest);
    }
    return true;
  }

  /** Whether a change after `generation` touched this tile in one of these sources. */
  touchedSince(generation: number, sources: string[], tile: TileCoord): boolean {
    if (generation >= this.generation) return false;
    for (let i = this.changes.length - 1; i >= 0; i--) {
      const c = this.changes[i]!;
      if (c.generation <= generation) return false;
      if ((c.source === '*' || sources.includes(c.source)) && c.touches(tile)) return true;
    }
    // Some changes since then are forgotten: assume touched rather than risk a stale tile.
    return (this.changes[0]?.generation ?? Number.POSITIVE_INFINITY) > generation + 1;
  }

  delete(key: string) {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.gzip.byteLength;
    const tk = key.split('|')[1]!;
    const keys = this.byTile.get(tk);
    keys?.delete(key);
    if (keys && keys.size === 0) {
      this.byTile.delete(tk);
      const z = Number(tk.split('/')[0]);
      const zoom = this.byZoom.get(z);
      zoom?.delete(tk);
      if (zoom && zoom.size === 0) this.byZoom.delete(z);
    }
  }

  /** Renders in flight, by the generation they started at (a count per generation). */
  private rendering = new Map<number, number>();

  /** A render starts: returns the generation to hand to set() when it is done. */
  beginRender(): number {
    this.rendering.set(this.generation, (this.rendering.get(this.generation) ?? 0) + 1);
    return this.generation;
  }

  /** A render ended (after its set()): changes no running render can overlap are forgotten. */
  endRender(generation: number) {
    const n = (this.rendering.get(generation) ?? 1) - 1;
    if (n > 0) this.rendering.set(generation, n);
    else this.rendering.delete(generation);
    this.forget();
  }

  private forget(now = Date.now()) {
    let oldest = Number.POSITIVE_INFINITY;
    for (const g of this.rendering.keys()) oldest = Math.min(oldest, g);
    let drop = 0;
    while (
      drop < this.changes.length &&
      (this.changes[drop]!.generation <= oldest || this.changes[drop]!.at < now - CHANGE_MEMORY_MS)
    ) {
      drop++;
    }
    if (drop) this.changes.splice(0, drop);
  }

  private remember(source: string, touches: (tile: TileCoord) => boolean) {
    const now = Date.now();
    this.generation++;
    this.changes.push({ generation: this.generation, at: now, source, touches });
    this.forget(now);
  }

  private dropAt(source: string, tk: string): number {
    const keys = this.byTile.get(tk);
    if (!keys) return 0;
    let dropped = 0;
    for (const key of [...keys]) {
      if (this.entries.get(key)?.sources.includes(source)) {
        this.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  /** Drops cached tiles of `source` in which something inside the area could be drawn. */
  invalidateArea(source: string, area: TileArea): number {
    const ranges = new Map<number, ReturnType<typeof tileRangeOf>>();
    for (let z = area.minZoom; z <= area.maxZoom; z++) ranges.set(z, tileRangeOf(area.bbox, z));
    this.remember(source, (t) => {
      const r = ranges.get(t.z);
      return !!r && t.x >= r.x0 && t.x <= r.x1 && t.y >= r.y0 && t.y <= r.y1;
    });
    let dropped = 0;
    for (const r of ranges.values()) {
      const cached = this.byZoom.get(r.z);
      if (!cached) continue;
      const count = (r.x1 - r.x0 + 1) * (r.y1 - r.y0 + 1);
      if (count <= cached.size) {
        for (let x = r.x0; x <= r.x1; x++) {
          for (let y = r.y0; y <= r.y1; y++) dropped += this.dropAt(source, `${r.z}/${x}/${y}`);
        }
      } else {
        // A large area at a detail zoom: look at the few tiles cached there instead.
        for (const tk of [...cached]) {
          const [, xs, ys] = tk.split('/');
          const x = Number(xs);
          const y = Number(ys);
          if (x >= r.x0 && x <= r.x1 && y >= r.y0 && y <= r.y1) dropped += this.dropAt(source, tk);
        }
      }
    }
    return dropped;
  }

  clear() {
    this.remember('*', () => true);
    this.entries.clear();
    this.byTile.clear();
    this.byZoom.clear();
    this.bytes = 0;
  }

  get size() {
    return this.entries.size;
  }

  get totalBytes() {
    return this.bytes;
  }
}
