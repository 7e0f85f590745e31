// Serves vector tiles: validation, filters, cache with strong ETags, gzip negotiation, JSON
// errors, TileJSON 3.0.0 and the catalog.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Sql } from '@weltgewebe/db/client';
import { requestIdFrom } from '@weltgewebe/kit';
import { jsonError } from '../json-error.ts';
import { TileInvalidator, threadEndsFrom } from './invalidation.ts';
import { EMPTY_LAYER, inZoomRange } from './sources/tile-source.ts';
import { TILE_SOURCES, type TileSource } from './sources.ts';
import { type CachedTile, TileCache } from './tile-cache.ts';
import { filtersFor, filtersKey, parseTileFilters, type TileFilters } from './tile-filters.ts';
import { parseTile, type TileCoord } from './tile-math.ts';

/** No tile may be larger than this (architecture.md); sources are built to stay below. */
export const MAX_TILE_BYTES = 500 * 1024;

export interface TileServiceOptions {
  sql: Sql;
  cacheBytes: number;
  /** With AUTH_REQUIRED_FOR_READ tiles must not sit in shared caches. */
  privateTiles?: boolean;
  onRender?: (sources: string, seconds: number) => void;
  /** A rendered tile over MAX_TILE_BYTES (a bug in a source's limits). */
  onOversize?: (sources: string, tile: TileCoord, bytes: number) => void;
  settleDelaysMs?: number[];
}

const WORLD_BOUNDS = [-180, -85.0511, 180, 85.0511];

type ParsedSources = { ok: true; sources: TileSource[] } | { ok: false; response: Response };

function parseSources(param: string, requestId: string): ParsedSources {
  const names = param.split(',');
  const unknown = names.filter((n) => !Object.hasOwn(TILE_SOURCES, n));
  if (unknown.length || new Set(names).size !== names.length) {
    return {
      ok: false,
      response: jsonError(
        404,
        'UNKNOWN_TILE_SOURCE',
        `Unbekannte Kachelquelle: ${unknown.join(', ') || param}. Quellen: ${Object.keys(TILE_SOURCES).join(', ')}.`,
        requestId,
      ),
    };
  }
  return { ok: true, sources: names.map((n) => TILE_SOURCES[n]!) };
}

function parseFiltersFor(sources: TileSource[], params: URLSearchParams) {
  return parseTileFilters(params, new Set(sources.flatMap((s) => s.filters)));
}

export function createTileService(opts: TileServiceOptions) {
  const cache = new TileCache(opts.cacheBytes);
  const invalidator = new TileInvalidator(cache, threadEndsFrom(opts.sql), opts.settleDelaysMs);
  /** Renders waiting on the same key share one query. */
  const inflight = new Map<string, { generation: number; promise: Promise<CachedTile> }>();
  const cacheControl = `${opts.privateTiles ? 'private' : 'public'}, max-age=5, stale-while-revalidate=60`;

  const render = async (
    sources: TileSource[],
    tile: TileCoord,
    filters: TileFilters,
  ): Promise<CachedTile> => {
    const started = performance.now();
    const names = sources.map((s) => s.name).join(',');
    const parts = await Promise.all(
      sources.map((s) =>
        inZoomRange(s, tile.z)
          ? s.render(opts.sql, tile, filtersFor(filters, s.filters))
          : EMPTY_LAYER,
      ),
    );
    // MVT layers concatenate: one tile with one layer per source.
    const raw = Buffer.concat(parts.map((p) => Buffer.from(p.mvt)));
    opts.onRender?.(names, (performance.now() - started) / 1000);
    if (raw.byteLength > MAX_TILE_BYTES) opts.onOversize?.(names, tile, raw.byteLength);
    const staleAt = Math.min(...parts.map((p) => p.staleAt ?? Number.POSITIVE_INFINITY));
    const etag = `"${new Bun.CryptoHasher('sha1').update(raw).digest('base64url')}"`;
    return {
      gzip: gzipSync(raw, { level: 6 }),
      rawBytes: raw.byteLength,
      etag,
      sources: sources.map((s) => s.name),
      createdAt: Date.now(),
      ...(Number.isFinite(staleAt) ? { staleAt } : {}),
    };
  };

  const handle = async (
    request: Request,
    sourcesParam: string,
    z: string,
    x: string,
    file: string,
  ) => {
    const requestId = requestIdFrom(request.headers);
    const match = /^(\d+)\.(mvt|pbf)$/.exec(file);
    const tile = match ? parseTile(z, x, match[1]!) : null;
    if (!tile) {
      return jsonError(
        400,
        'BAD_TILE_COORDINATES',
        `Keine gültige Kachel: ${z}/${x}/${file} (z 0–22, x und y 0–2^z−1).`,
        requestId,
      );
    }
    const parsed = parseSources(sourcesParam, requestId);
    if (!parsed.ok) return parsed.response;
    const { sources } = parsed;
    const filters = parseFiltersFor(sources, new URL(request.url).searchParams);
    if (!filters.ok) return jsonError(400, 'BAD_TILE_FILTER', filters.message, requestId);

    const names = sources.map((s) => s.name);
    // Visibility class: every reader sees the same public map (no per-person content).
    const key = TileCache.key(
      names,
      tile.z,
      tile.x,
      tile.y,
      `public;${filtersKey(filters.filters)}`,
    );
    let entry = cache.get(key);
    if (!entry) {
      let pending = inflight.get(key);
      // A render that started before a change to this tile must not be shared after it.
      if (pending && cache.touchedSince(pending.generation, names, tile)) pending = undefined;
      if (!pending) {
        const generation = cache.beginRender();
        const promise = render(sources, tile, filters.filters)
          .then((rendered) => {
            // Stored once, by the render itself, unless a change overlapped it.
            cache.set(key, tile, rendered, generation);
            return rendered;
          })
          .finally(() => {
            if (inflight.get(key)?.promise === promise) inflight.delete(key);
            cache.endRender(generation);
          });
        pending = { generation, promise };
        inflight.set(key, pending);
      }
      try {
        entry = await pending.promise;
      } catch (error) {
        // The database gave up (the edge role's statement timeout): busy, not broken.
        if ((error as { code?: string }).code !== '57014') throw error;
        return jsonError(
          503,
          'TILE_TIMEOUT',
          'Die Kachel braucht gerade zu lange. Bitte gleich noch einmal versuchen.',
          requestId,
          { headers: { 'retry-after': '1' } },
        );
      }
    }
    const headers = new Headers({
      'content-type': 'application/vnd.mapbox-vector-tile',
      'cache-control': cacheControl,
      etag: entry.etag,
      vary: 'accept-encoding',
    });
    const inm = request.headers.get('if-none-match');
    if (inm?.split(',').some((t) => t.trim() === entry.etag)) {
      return new Response(null, { status: 304, headers });
    }
    const acceptsGzip = /\bgzip\b/.test(request.headers.get('accept-encoding') ?? '');
    if (acceptsGzip) {
      headers.set('content-encoding', 'gzip');
      return new Response(entry.gzip as BodyInit, { headers });
    }
    return new Response(gunzipSync(entry.gzip), { headers });
  };

  /** TileJSON 3.0.0 of one source or a composite (`a,b`), with its filters in the tile URL. */
  const tileJson = (origin: string, name: string, query: URLSearchParams, requestId: string) => {
    const parsed = parseSources(name, requestId);
    if (!parsed.ok) return parsed.response;
    const { sources } = parsed;
    const filters = parseFiltersFor(sources, query);
    if (!filters.ok) return jsonError(400, 'BAD_TILE_FILTER', filters.message, requestId);
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(filters.filters)) if (v) search.set(k, v.join(','));
    const qs = search.size ? `?${search.toString().replaceAll('%2C', ',')}` : '';
    const attribution = sources.flatMap((s) => (s.attribution ? [s.attribution] : []));
    return Response.json(
      {
        tilejson: '3.0.0',
        name: sources.map((s) => s.name).join(','),
        description: sources.map((s) => s.description).join('; '),
        ...(attribution.length ? { attribution: attribution.join('; ') } : {}),
        scheme: 'xyz',
        tiles: [`${origin}/tiles/${sources.map((s) => s.name).join(',')}/{z}/{x}/{y}.mvt${qs}`],
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
      },
      { headers: { 'cache-control': 'public, max-age=300' } },
    );
  };

  // A client draws a source only when it has data: the basemap is offered before it is loaded.
  const catalog = async () => {
    const sources = await Promise.all(
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
    );
    return Response.json({ sources }, { headers: { 'cache-control': 'public, max-age=300' } });
  };

  return { handle, tileJson, catalog, cache, invalidator };
}

export type TileService = ReturnType<typeof createTileService>;
