// Serves vector tiles: validation, cache with strong ETags, gzip negotiation, JSON errors.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Sql } from '@weltgewebe/db/client';
import { TILE_SOURCES } from './sources.ts';
import { type CachedTile, TileCache } from './tile-cache.ts';
import { parseTile, type TileCoord } from './tile-math.ts';

export interface TileServiceOptions {
  sql: Sql;
  cacheBytes: number;
  onRender?: (sources: string, seconds: number) => void;
}

const jsonError = (status: number, code: string, message: string) =>
  Response.json({ error: { code, message } }, { status, headers: { 'cache-control': 'no-store' } });

const TILE_CACHE_CONTROL = 'public, max-age=5, stale-while-revalidate=60';

export function createTileService(opts: TileServiceOptions) {
  const cache = new TileCache(opts.cacheBytes);
  /** Renders waiting on the same key share one query. */
  const inflight = new Map<string, Promise<CachedTile>>();

  const render = async (names: string[], tile: TileCoord): Promise<CachedTile> => {
    const started = performance.now();
    const parts = await Promise.all(names.map((n) => TILE_SOURCES[n]!.render(opts.sql, tile)));
    // MVT layers concatenate: one tile with one layer per source.
    const raw = Buffer.concat(parts.map((p) => Buffer.from(p)));
    opts.onRender?.(names.join(','), (performance.now() - started) / 1000);
    const etag = `"${new Bun.CryptoHasher('sha1').update(raw).digest('base64url')}"`;
    return {
      gzip: gzipSync(raw, { level: 6 }),
      rawBytes: raw.byteLength,
      etag,
      sources: names,
      createdAt: Date.now(),
    };
  };

  const handle = async (
    request: Request,
    sourcesParam: string,
    z: string,
    x: string,
    file: string,
  ) => {
    const match = /^(\d+)\.(mvt|pbf)$/.exec(file);
    const tile = match ? parseTile(z, x, match[1]!) : null;
    if (!tile) {
      return jsonError(
        400,
        'BAD_TILE_COORDINATES',
        `Keine gültige Kachel: ${z}/${x}/${file} (z 0–22, x und y 0–2^z−1).`,
      );
    }
    const names = sourcesParam.split(',');
    const unknown = names.filter((n) => !TILE_SOURCES[n]);
    if (unknown.length || names.length === 0 || new Set(names).size !== names.length) {
      return jsonError(
        404,
        'UNKNOWN_TILE_SOURCE',
        `Unbekannte Kachelquelle: ${unknown.join(', ') || sourcesParam}.`,
      );
    }
    const key = TileCache.key(names, tile.z, tile.x, tile.y, 'public');
    let entry = cache.get(key);
    if (!entry) {
      let pending = inflight.get(key);
      if (!pending) {
        pending = render(names, tile).finally(() => inflight.delete(key));
        inflight.set(key, pending);
      }
      entry = await pending;
      cache.set(key, tile, entry);
    }
    const headers = new Headers({
      'content-type': 'application/vnd.mapbox-vector-tile',
      'cache-control': TILE_CACHE_CONTROL,
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

  const tileJson = (origin: string, name: string) => {
    const source = TILE_SOURCES[name];
    if (!source) return jsonError(404, 'UNKNOWN_TILE_SOURCE', `Unbekannte Kachelquelle: ${name}.`);
    return Response.json(
      {
        tilejson: '3.0.0',
        name: source.name,
        description: source.description,
        tiles: [`${origin}/tiles/${source.name}/{z}/{x}/{y}.mvt`],
        minzoom: source.minzoom,
        maxzoom: source.maxzoom,
        bounds: [-180, -85.0511, 180, 85.0511],
        vector_layers: [
          {
            id: source.name,
            fields: source.fields,
            minzoom: source.minzoom,
            maxzoom: source.maxzoom,
          },
        ],
      },
      { headers: { 'cache-control': 'public, max-age=300' } },
    );
  };

  const catalog = () =>
    Response.json({
      sources: Object.values(TILE_SOURCES).map((s) => ({
        id: s.name,
        description: s.description,
        tilejson: `/tiles/${s.name}.json`,
      })),
    });

  return { handle, tileJson, catalog, cache };
}

export type TileService = ReturnType<typeof createTileService>;
