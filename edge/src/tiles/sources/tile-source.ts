// What a tile source is (one MVT layer rendered by PostGIS) and the SQL pieces every source
// shares: the tile's envelope and the filters on nodes.
import type { Sql } from '@weltgewebe/db/client';
import type { TileFilters } from '../tile-filters.ts';
import { TILE_BUFFER, TILE_EXTENT, type TileCoord } from '../tile-math.ts';

export interface RenderedLayer {
  /** One MVT layer (empty when the tile has nothing). */
  mvt: Uint8Array;
  /** Epoch ms after which this layer is stale by itself (a thread runs out), if ever. */
  staleAt?: number;
  /**
   * Features drawn, when the source can draw fewer on request (`RenderOptions.limit`, the
   * weakest left out first); absent when it cannot.
   */
  features?: number;
  /** True when the source left features out (its own limit, or the limit it was given). */
  partial?: boolean;
}

/** How a composite over its byte budget asks a source for less (tile-service.ts). */
export interface RenderOptions {
  /** Draw at most this many features, the weakest left out first. */
  limit?: number;
}

export interface TileSource {
  /** The name in URLs (`/tiles/{name}/…`); the MVT layer has the same name. */
  name: string;
  description: string;
  attribution?: string;
  minzoom: number;
  maxzoom: number;
  /** Zooms up to this one are drawn from h3_rollups, which a worker updates after events. */
  rollupMaxZoom: number | null;
  /** Which query filters apply to this source. */
  filters: ReadonlyArray<keyof TileFilters>;
  /** MVT properties and what they mean (TileJSON vector_layers). */
  fields: Record<string, string>;
  render(
    sql: Sql,
    tile: TileCoord,
    filters: TileFilters,
    options?: RenderOptions,
  ): Promise<RenderedLayer>;
  /** For sources whose data is loaded separately: whether any is there yet (the catalog says). */
  hasData?(sql: Sql): Promise<boolean>;
}

export const EMPTY_LAYER: RenderedLayer = { mvt: new Uint8Array() };

/** The buffer around a tile as a fraction of its width (features reaching into it are kept). */
export const BUFFER_MARGIN = TILE_BUFFER / TILE_EXTENT;

/** Half the Web Mercator world width in metres. */
export const WORLD_HALF = 20037508.342789244;

/**
 * The tile plus a margin in WGS84 (for index lookups on the domain tables, stored in 4326).
 * PostGIS clips a margin at the poles but not at ±180°, where the transform would wrap the
 * envelope around: clip it to the world first.
 */
export function envelope4326(sql: Sql, { z, x, y }: TileCoord, margin = BUFFER_MARGIN) {
  return sql`ST_Transform(ST_ClipByBox2D(ST_TileEnvelope(${z}, ${x}, ${y}, margin => ${margin}),
                                         ST_TileEnvelope(0, 0, 0)), 4326)`;
}

/**
 * `env`: the tile in Web Mercator (for ST_AsMVTGeom); `env3857` and `env4326`: the tile plus
 * its buffer, in Web Mercator and in WGS84.
 */
export function tileBounds(sql: Sql, tile: TileCoord, margin = BUFFER_MARGIN) {
  const { z, x, y } = tile;
  return sql`
    SELECT ST_TileEnvelope(${z}, ${x}, ${y}) AS env,
           ST_TileEnvelope(${z}, ${x}, ${y}, margin => ${margin}) AS env3857,
           ${envelope4326(sql, tile, margin)} AS env4326`;
}

/** `AND …` conditions on a node row aliased `n`. */
export function nodeFilterSql(sql: Sql, filters: TileFilters) {
  return sql`${filters.kinds ? sql`AND n.kind = ANY(${filters.kinds}::text[])` : sql``}
    ${filters.topics ? sql`AND n.topics && ${filters.topics}::text[]` : sql``}`;
}

/** The MVT bytes of a query that returns one `mvt` column (null when nothing matched). */
export async function mvtOf(rows: Promise<{ mvt: Uint8Array | null }[]>): Promise<Uint8Array> {
  const [row] = await rows;
  return row?.mvt ?? new Uint8Array();
}

/** A layer from a query that returns `mvt` and `features` (a source that can draw fewer). */
export async function layerOf(
  rows: Promise<{ mvt: Uint8Array | null; features: number }[]>,
): Promise<RenderedLayer> {
  const [row] = await rows;
  return { mvt: row?.mvt ?? new Uint8Array(), features: row?.features ?? 0 };
}

export function inZoomRange(source: TileSource, z: number): boolean {
  return z >= source.minzoom && z <= source.maxzoom;
}
