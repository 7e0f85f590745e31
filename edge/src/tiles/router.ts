// Tile routes: /tiles/catalog, /tiles/{sources}.json (TileJSON) and
// /tiles/{sources}/{z}/{x}/{y}.mvt|.pbf. Transport only: the read check, caching headers
// (ETag, 304, gzip, Cache-Control, Vary), the tile metrics and JSON errors; the tiles come
// from the tile service as plain values.
import { gunzipSync } from 'node:zlib';
import {
  ApiError,
  type JwtVerifier,
  type Logger,
  requestIdFrom,
  type ServiceMetrics,
} from '@weltgewebe/kit';
import { Elysia } from 'elysia';
import { identifyCaller } from '../auth/identify.ts';
import { jsonErrorOf } from '../json-error.ts';
import { callerMinLsn } from '../replica/lsn.ts';
import {
  decodedPathParts,
  MAX_TILE_BYTES,
  parseFilters,
  parseSources,
  parseTileRequest,
  type TileAnswer,
  tileJsonSources,
} from './model.ts';
import type { TileService } from './tile-service.ts';

export interface TileRouteDeps {
  tiles: TileService;
  verifier: JwtVerifier;
  authRequiredForRead: boolean;
  /** Origin of the tile URLs in TileJSON (PUBLIC_ORIGIN), not the request's Host. */
  publicOrigin: string;
  metrics: ServiceMetrics;
  log: Logger;
}

/** TileJSON and the catalog change only with a release or a basemap load. */
const DOCUMENT_CACHE = { 'cache-control': 'public, max-age=300' };

export function tileRoutes(deps: TileRouteDeps) {
  const renderSeconds = deps.metrics.histogram(
    'weltgewebe_tile_render_seconds',
    'Tile render time',
    ['sources'],
  );
  const cacheHits = deps.metrics.counter('weltgewebe_tile_cache_hits_total', 'Tile cache hits');
  const cacheMisses = deps.metrics.counter(
    'weltgewebe_tile_cache_misses_total',
    'Tile cache misses',
  );
  // With AUTH_REQUIRED_FOR_READ tiles must not sit in shared caches.
  const tileCacheControl = `${deps.authRequiredForRead ? 'private' : 'public'}, max-age=5, stale-while-revalidate=60`;

  /**
   * With AUTH_REQUIRED_FOR_READ, tiles refuse like the tRPC reads do: no token is
   * UNAUTHORIZED, a token that fails verification INVALID_TOKEN (so the web knows to renew
   * it), unreachable provider keys AUTH_UNAVAILABLE (503, not the caller's fault).
   */
  const mayRead = async (request: Request) => {
    if (!deps.authRequiredForRead) return;
    const auth = await identifyCaller(request, deps.verifier);
    if (!auth.identity) {
      throw new ApiError('UNAUTHORIZED', 'UNAUTHORIZED', 'Zum Lesen ist eine Anmeldung nötig.');
    }
  };

  /** A domain error becomes the edge's JSON error with the request id; anything else is a bug. */
  const answering = async (request: Request, route: () => Promise<Response>) => {
    try {
      return await route();
    } catch (error) {
      if (error instanceof ApiError) return jsonErrorOf(error, requestIdFrom(request.headers));
      throw error;
    }
  };

  const tileResponse = (request: Request, tile: TileAnswer): Response => {
    const headers = new Headers({
      'content-type': 'application/vnd.mapbox-vector-tile',
      'cache-control': tileCacheControl,
      etag: tile.etag,
      vary: 'accept-encoding',
    });
    // Which layers left features out (README.md, Vector tiles); absent when none did.
    if (tile.omitted.length) headers.set('x-tile-omitted', tile.omitted.join(','));
    const inm = request.headers.get('if-none-match');
    if (inm?.split(',').some((t) => t.trim() === tile.etag)) {
      return new Response(null, { status: 304, headers });
    }
    if (/\bgzip\b/.test(request.headers.get('accept-encoding') ?? '')) {
      headers.set('content-encoding', 'gzip');
      return new Response(tile.gzip as BodyInit, { headers });
    }
    return new Response(gunzipSync(tile.gzip), { headers });
  };

  return new Elysia()
    .get('/tiles/catalog', ({ request }) =>
      answering(request, async () => {
        await mayRead(request);
        return Response.json(await deps.tiles.catalog(), { headers: DOCUMENT_CACHE });
      }),
    )
    .get('/tiles/:sources', ({ params, request }) =>
      answering(request, async () => {
        const name = tileJsonSources(decodedPathParts(params).sources);
        await mayRead(request);
        const url = new URL(request.url);
        const sources = parseSources(name);
        const filters = parseFilters(sources, url.searchParams);
        return Response.json(deps.tiles.tileJson(deps.publicOrigin, sources, filters), {
          headers: DOCUMENT_CACHE,
        });
      }),
    )
    .get('/tiles/:sources/:z/:x/:file', ({ params, request }) =>
      answering(request, async () => {
        await mayRead(request);
        const wanted = parseTileRequest(
          decodedPathParts(params),
          new URL(request.url).searchParams,
        );
        const tile = await deps.tiles.tile(wanted, callerMinLsn(request.headers));
        (tile.cache === 'hit' ? cacheHits : cacheMisses).inc();
        if (tile.renderSeconds !== null) {
          const sources = wanted.sources.map((s) => s.name).join(',');
          renderSeconds.observe({ sources }, tile.renderSeconds);
          // Over the limit is a bug in a source's limits: said once, when it is rendered.
          if (tile.rawBytes > MAX_TILE_BYTES) {
            deps.log.warn('tile over the size limit', {
              sources,
              ...wanted.tile,
              bytes: tile.rawBytes,
            });
          }
        }
        return tileResponse(request, tile);
      }),
    );
}
