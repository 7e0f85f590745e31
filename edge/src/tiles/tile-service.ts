// Vector tiles as plain values: a parsed tile request in, the encoded tile out — from the
// cache, from a render already under way, or rendered now — plus TileJSON 3.0.0 and the
// catalog. HTTP (headers, gzip negotiation, errors as JSON) is the router's.
import { gzipSync } from 'node:zlib';
import type { Sql } from '@weltgewebe/db/client';
import { ApiError, type Logger } from '@weltgewebe/kit';
import type { ReadRouting } from '../replica/read-routing.ts';
import { TileInvalidator, threadEndsFrom } from './invalidation.ts';
import type { TileAnswer, TileCatalog, TileJson, TileRequest } from './model.ts';
import { EMPTY_LAYER, inZoomRange, type RenderedLayer } from './sources/tile-source.ts';
import { TILE_SOURCES, type TileSource } from './sources.ts';
import { type CachedTile, TileCache } from './tile-cache.ts';
import { filtersFor, filtersKey, type TileFilters } from './tile-filters.ts';
import type { TileCoord } from './tile-math.ts';

export interface TileServiceOptions {
  /** The primary (invalidation lookups, the catalog; renders too when there is no `reads`). */
  sql: Sql;
  /** Primary or replica for each render (read-routing.ts explains which). */
  reads?: ReadRouting;
  cacheBytes: number;
  /** Hears an invalidation that failed (the cache is cleared then). */
  log: Logger;
  settleDelaysMs?: number[];
  /** COMPOSITE_BUDGET_BYTES unless given (tests). */
  compositeBudgetBytes?: number;
}

const WORLD_BOUNDS = [-180, -85.0511, 180, 85.0511];

/**
 * A composite's layers together stay below this many bytes (uncompressed MVT). Each source
 * keeps its own limits; several full layers over one dense area (hex, nodes and accounts
 * clusters at z7 over the Ruhr) still add up to more, so the composite leaves out features
 * until it fits (README.md, Vector tiles).
 */
export const COMPOSITE_BUDGET_BYTES = 300 * 1024;
/** Who leaves features out first: the faintest layer first, the Knoten last. */
export const LEAVE_OUT_ORDER = ['threads', 'hex', 'accounts', 'nodes'];

/**
 * Re-renders the layers of an over-budget composite with fewer features (each source drops
 * its weakest: the faintest threads, the emptiest cells), in LEAVE_OUT_ORDER, until it fits.
 * Only sources that can draw fewer take part (they report `features`).
 */
async function fitBudget(
  budget: number,
  db: Sql,
  sources: TileSource[],
  tile: TileCoord,
  filters: TileFilters,
  parts: RenderedLayer[],
): Promise<RenderedLayer[]> {
  let total = parts.reduce((n, p) => n + p.mvt.byteLength, 0);
  const out = [...parts];
  for (const name of LEAVE_OUT_ORDER) {
    if (total <= budget) break;
    const i = sources.findIndex((s) => s.name === name);
    const part = out[i];
    if (i < 0 || !part?.features) continue;
    const bytes = part.mvt.byteLength;
    const keepBytes = Math.max(0, bytes - (total - budget));
    // Features differ in size: aim a tenth under the share (measured again after).
    const limit = Math.floor(((part.features * keepBytes) / bytes) * 0.9);
    const source = sources[i]!;
    const thinner = await source.render(db, tile, filtersFor(filters, source.filters), { limit });
    out[i] = { ...thinner, partial: true };
    total += thinner.mvt.byteLength - bytes;
  }
  return out;
}

interface Render {
  generation: number;
  /** The WAL position the render's connection had reached at least. */
  atLeast: bigint;
  promise: Promise<{ entry: CachedTile; seconds: number }>;
}

export function createTileService(opts: TileServiceOptions) {
  const cache = new TileCache(opts.cacheBytes);
  const invalidator = new TileInvalidator(
    cache,
    threadEndsFrom(opts.sql),
    opts.log,
    opts.settleDelaysMs,
  );
  /** Renders waiting on the same key share one query. */
  const inflight = new Map<string, Render>();

  const render = async (
    sources: TileSource[],
    tile: TileCoord,
    filters: TileFilters,
    atLeast: bigint | null,
  ) => {
    const started = performance.now();
    const { sql, lsn } = opts.reads
      ? await opts.reads.forCache(atLeast)
      : { sql: opts.sql, lsn: 0n };
    const renderOn = async (db: Sql) => {
      const parts = await Promise.all(
        sources.map((s) =>
          inZoomRange(s, tile.z) ? s.render(db, tile, filtersFor(filters, s.filters)) : EMPTY_LAYER,
        ),
      );
      return sources.length > 1
        ? fitBudget(
            opts.compositeBudgetBytes ?? COMPOSITE_BUDGET_BYTES,
            db,
            sources,
            tile,
            filters,
            parts,
          )
        : parts;
    };
    let parts: Awaited<ReturnType<typeof renderOn>>;
    try {
      parts = await renderOn(sql);
    } catch (error) {
      // The replica went away mid-render: the primary holds at least as much.
      if (!opts.reads?.retryOnPrimary(sql, error)) throw error;
      parts = await renderOn(opts.reads.primary);
    }
    // MVT layers concatenate: one tile with one layer per source.
    const raw = Buffer.concat(parts.map((p) => Buffer.from(p.mvt)));
    const seconds = (performance.now() - started) / 1000;
    const staleAt = Math.min(...parts.map((p) => p.staleAt ?? Number.POSITIVE_INFINITY));
    const entry: CachedTile = {
      gzip: gzipSync(raw, { level: 6 }),
      rawBytes: raw.byteLength,
      etag: `"${new Bun.CryptoHasher('sha1').update(raw).digest('base64url')}"`,
      sources: sources.map((s) => s.name),
      omitted: sources.filter((_, i) => parts[i]!.partial).map((s) => s.name),
      createdAt: Date.now(),
      lsn,
      ...(Number.isFinite(staleAt) ? { staleAt } : {}),
    };
    return { entry, seconds };
  };

  /**
   * One tile; TILE_TIMEOUT when the database gave up on it. `callerLsn` is the caller's last
   * write (read-your-writes): a cached tile or a render older than it is not served.
   */
  const tile = async (
    { sources, tile, filters }: TileRequest,
    callerLsn: bigint | null = null,
  ): Promise<TileAnswer> => {
    const names = sources.map((s) => s.name);
    // Visibility class: every reader sees the same public map (no per-person content).
    const key = TileCache.key(names, tile.z, tile.x, tile.y, `public;${filtersKey(filters)}`);
    const atLeast = opts.reads ? await opts.reads.cacheMinLsn(callerLsn) : null;
    const cached = cache.get(key);
    if (cached && (atLeast === null || (cached.lsn ?? 0n) >= atLeast)) {
      return answerOf(cached, 'hit', null);
    }

    let pending = inflight.get(key);
    // A render that started before a change to this tile must not be shared after it.
    if (pending && cache.touchedSince(pending.generation, names, tile)) pending = undefined;
    // Nor one that may not hold the caller's own write.
    if (pending && atLeast !== null && pending.atLeast < atLeast) pending = undefined;
    const ownRender = !pending;
    if (!pending) {
      const generation = cache.beginRender();
      const promise = render(sources, tile, filters, atLeast)
        .then((rendered) => {
          // Stored once, by the render itself, unless a change overlapped it.
          cache.set(key, tile, rendered.entry, generation);
          return rendered;
        })
        .finally(() => {
          if (inflight.get(key)?.promise === promise) inflight.delete(key);
          cache.endRender(generation);
        });
      pending = { generation, atLeast: atLeast ?? 0n, promise };
      inflight.set(key, pending);
    }
    try {
      const { entry, seconds } = await pending.promise;
      return answerOf(entry, 'miss', ownRender ? seconds : null);
    } catch (error) {
      // The database gave up (the edge role's statement timeout): busy, not broken.
      if ((error as { code?: string }).code !== '57014') throw error;
      throw new ApiError(
        'TILE_TIMEOUT',
        'SERVICE_UNAVAILABLE',
        'Die Kachel braucht gerade zu lange. Bitte gleich noch einmal versuchen.',
        { retryAfterSeconds: 1 },
      );
    }
  };

  /** TileJSON 3.0.0 of one source or a composite, with its filters in the tile URL. */
  const tileJson = (origin: string, sources: TileSource[], filters: TileFilters): TileJson => {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) if (v) search.set(k, v.join(','));
    const qs = search.size ? `?${search.toString().replaceAll('%2C', ',')}` : '';
    const attribution = sources.flatMap((s) => (s.attribution ? [s.attribution] : []));
    const name = sources.map((s) => s.name).join(',');
    return {
      tilejson: '3.0.0',
      name,
      description: sources.map((s) => s.description).join('; '),
      ...(attribution.length ? { attribution: attribution.join('; ') } : {}),
      scheme: 'xyz',
      tiles: [`${origin}/tiles/${name}/{z}/{x}/{y}.mvt${qs}`],
      minzoom: Math.min(...sources.map((s) => s.minzoom)),
      maxzoom: Math.max(...sources.map((s) => s.maxzoom)),
      bounds: WORLD_BOUNDS,
      vector_layers: sources.map((s) => ({
        id: s.name,
        description: s.description,
        fields: s.fields,
        minzoom: s.minzoom,
        maxzoom: s.maxzoom,
      })),
    };
  };

  const catalog = async (): Promise<TileCatalog> => ({
    sources: await Promise.all(
      Object.values(TILE_SOURCES).map(async (s) => ({
        id: s.name,
        description: s.description,
        minzoom: s.minzoom,
        maxzoom: s.maxzoom,
        rollupMaxZoom: s.rollupMaxZoom,
        filters: s.filters,
        hasData: s.hasData ? await s.hasData(opts.sql) : true,
        tilejson: `/tiles/${s.name}.json`,
        tiles: `/tiles/${s.name}/{z}/{x}/{y}.mvt`,
      })),
    ),
  });

  return { tile, tileJson, catalog, cache, invalidator };
}

function answerOf(
  entry: CachedTile,
  cache: TileAnswer['cache'],
  renderSeconds: number | null,
): TileAnswer {
  return {
    etag: entry.etag,
    gzip: entry.gzip,
    rawBytes: entry.rawBytes,
    omitted: entry.omitted ?? [],
    cache,
    renderSeconds,
  };
}

export type TileService = ReturnType<typeof createTileService>;
