// Tiles as plain values: the parts of a tile URL parsed into sources, a tile and filters (bad
// parts are domain errors with stable codes), and what the tile service answers.
import { ApiError } from '@weltgewebe/kit';
import { TILE_SOURCES, type TileSource } from './sources.ts';
import { parseTileFilters, type TileFilters } from './tile-filters.ts';
import { parseTile, type TileCoord } from './tile-math.ts';

/** No tile may be larger than this (README.md, Vector tiles); sources are built to stay below. */
export const MAX_TILE_BYTES = 500 * 1024;

/** One tile of one source or a composite, with the filters its sources understand. */
export interface TileRequest {
  sources: TileSource[];
  tile: TileCoord;
  filters: TileFilters;
}

export interface TileAnswer {
  /** Strong ETag of the uncompressed MVT. */
  etag: string;
  /** The MVT, gzip-compressed (as it is cached). */
  gzip: Uint8Array;
  rawBytes: number;
  /** Layers that left features out because the tile could not carry them all. */
  omitted: string[];
  cache: 'hit' | 'miss';
  /** How long this call rendered the tile; null when it came from the cache or from a render
   *  another call had started. */
  renderSeconds: number | null;
}

/**
 * The path parts as strings. Elysia hands a part whose %-escapes do not decode as null;
 * such an address names no tile (400, not a crash further down).
 */
export function decodedPathParts<K extends string>(
  params: Record<K, string | null | undefined>,
): Record<K, string> {
  for (const value of Object.values<string | null | undefined>(params)) {
    if (typeof value !== 'string') {
      throw new ApiError(
        'BAD_TILE_URL',
        'BAD_REQUEST',
        'Die Kachel-Adresse enthält eine ungültige %-Kodierung.',
      );
    }
  }
  return params as Record<K, string>;
}

/** Caller's text in a message, cut short: an error must not echo a megabyte back. */
export function shown(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** `nodes` or a composite `nodes,hex`: known sources, each once. */
export function parseSources(param: string): TileSource[] {
  const names = param.split(',');
  const unknown = names.filter((n) => !Object.hasOwn(TILE_SOURCES, n));
  if (unknown.length || new Set(names).size !== names.length) {
    throw new ApiError(
      'UNKNOWN_TILE_SOURCE',
      'NOT_FOUND',
      `Unbekannte Kachelquelle: ${shown(unknown.join(', ') || param)}. Quellen: ${Object.keys(TILE_SOURCES).join(', ')}.`,
    );
  }
  return names.map((n) => TILE_SOURCES[n]!);
}

/** The filters of the query that these sources understand; others are refused. */
export function parseFilters(sources: TileSource[], query: URLSearchParams): TileFilters {
  const parsed = parseTileFilters(query, new Set(sources.flatMap((s) => s.filters)));
  if (!parsed.ok) throw new ApiError('BAD_TILE_FILTER', 'BAD_REQUEST', parsed.message);
  return parsed.filters;
}

/** `{sources}/{z}/{x}/{y}.mvt` (or `.pbf`) and its query; the coordinates are checked first. */
export function parseTileRequest(
  path: { sources: string; z: string; x: string; file: string },
  query: URLSearchParams,
): TileRequest {
  const match = /^(\d+)\.(mvt|pbf)$/.exec(path.file);
  const tile = match ? parseTile(path.z, path.x, match[1]!) : null;
  if (!tile) {
    throw new ApiError(
      'BAD_TILE_COORDINATES',
      'BAD_REQUEST',
      `Keine gültige Kachel: ${shown(`${path.z}/${path.x}/${path.file}`)} (z 0–22, x und y 0–2^z−1).`,
    );
  }
  const sources = parseSources(path.sources);
  return { sources, tile, filters: parseFilters(sources, query) };
}

/** `{sources}.json` → the sources part; any other name is not a TileJSON address. */
export function tileJsonSources(param: string): string {
  const m = /^([a-z0-9_,-]+)\.json$/.exec(param);
  if (!m) throw new ApiError('NOT_FOUND', 'NOT_FOUND', 'Nicht gefunden.');
  return m[1]!;
}

/** TileJSON 3.0.0 of one source or a composite. */
export interface TileJson {
  tilejson: '3.0.0';
  name: string;
  description: string;
  attribution?: string;
  scheme: 'xyz';
  tiles: string[];
  minzoom: number;
  maxzoom: number;
  bounds: number[];
  vector_layers: Array<{
    id: string;
    description: string;
    fields: Record<string, string>;
    minzoom: number;
    maxzoom: number;
  }>;
}

export interface TileCatalog {
  sources: Array<{
    id: string;
    description: string;
    minzoom: number;
    maxzoom: number;
    rollupMaxZoom: number | null;
    filters: TileSource['filters'];
    /** A client draws a source only when it has data (the basemap is offered before it is loaded). */
    hasData: boolean;
    tilejson: string;
    tiles: string;
  }>;
}
