// `accounts`: Garnrollen at their public point only (the private location is in a table the
// edge role cannot read). Up to z8 one cluster per H3 rollup cell; a count below 5 is shown
// as '<5' only (core/README.md, Garnrolle and privacy), and so are dense detail tiles drawn as grid clusters.
import type { Sql } from '@weltgewebe/db/client';
import { NO_FILTERS } from '../tile-filters.ts';
import type { TileCoord } from '../tile-math.ts';
import { MAX_POINTS_PER_TILE } from './nodes.ts';
import { K_ANONYMITY, rollupCellsSql, rollupLevel } from './rollup-cells.ts';
import {
  layerOf,
  mvtOf,
  type RenderedLayer,
  type TileSource,
  tileBounds,
  WORLD_HALF,
} from './tile-source.ts';

const GRID = 64;
const ON_MAP = "a.map_state <> 'not_on_map' AND a.public_point IS NOT NULL";

const kCount = (col: string) =>
  `CASE WHEN ${col} >= ${K_ANONYMITY} THEN ${col} END AS count,
   CASE WHEN ${col} >= ${K_ANONYMITY} THEN ${col}::text ELSE '<${K_ANONYMITY}' END AS count_label`;

async function clusters(sql: Sql, tile: TileCoord, limit?: number) {
  const level = rollupLevel(tile.z)!;
  return layerOf(sql<{ mvt: Uint8Array | null; features: number }[]>`
    WITH b AS (${tileBounds(sql, tile)}),
    c AS (${rollupCellsSql(sql, tile, level, NO_FILTERS, 'accounts', limit)})
    SELECT ST_AsMVT(f, 'accounts', 4096, 'geom', 'fid') AS mvt, count(*)::int AS features FROM (
      SELECT tile_h3_feature_id(c.cell) AS fid,
             ST_AsMVTGeom(ST_Transform(c.centre, 3857), b.env, 4096, 64, true) AS geom,
             true AS cluster, ${sql.unsafe(kCount('c.accounts'))},
             to_hex(c.cell) AS cell, c.resolution
        FROM c, b
    ) f WHERE geom IS NOT NULL`);
}

async function gridClusters(sql: Sql, tile: TileCoord) {
  const size = (2 * WORLD_HALF) / 2 ** tile.z / GRID;
  return mvtOf(sql<{ mvt: Uint8Array | null }[]>`
    WITH b AS (${tileBounds(sql, tile)}),
    p AS (
      SELECT a.seq, ST_Transform(a.public_point, 3857) AS pt FROM accounts a, b
       WHERE a.public_point && b.env4326 AND ${sql.unsafe(ON_MAP)}
    ),
    g AS (
      SELECT min(seq) AS seq, count(*)::int AS n, ST_Centroid(ST_Collect(pt)) AS pt FROM p
       GROUP BY floor((ST_X(pt) + ${WORLD_HALF}) / ${size}), floor((ST_Y(pt) + ${WORLD_HALF}) / ${size})
    )
    SELECT ST_AsMVT(f, 'accounts', 4096, 'geom', 'fid') AS mvt FROM (
      SELECT (1::bigint << 51) + g.seq AS fid,
             ST_AsMVTGeom(g.pt, b.env, 4096, 64, true) AS geom,
             true AS cluster, ${sql.unsafe(kCount('g.n'))}
        FROM g, b
    ) f WHERE geom IS NOT NULL`);
}

async function points(sql: Sql, tile: TileCoord) {
  return mvtOf(sql<{ mvt: Uint8Array | null }[]>`
    WITH b AS (${tileBounds(sql, tile)})
    SELECT ST_AsMVT(f, 'accounts', 4096, 'geom', 'fid') AS mvt FROM (
      SELECT a.seq AS fid,
             ST_AsMVTGeom(ST_Transform(a.public_point, 3857), b.env, 4096, 64, true) AS geom,
             a.id::text AS id, a.display_name, a.map_state,
             CASE WHEN a.map_state = 'radius' THEN a.radius_m END AS radius_m
        FROM accounts a, b
       WHERE a.public_point && b.env4326 AND ${sql.unsafe(ON_MAP)}
    ) f WHERE geom IS NOT NULL`);
}

export const accountsSource: TileSource = {
  name: 'accounts',
  description: 'Garnrollen at their public point (never the private location); clusters up to z8',
  minzoom: 0,
  maxzoom: 22,
  rollupMaxZoom: 8,
  filters: [],
  fields: {
    id: 'String: uuid of the account (points)',
    display_name: 'String: display name (points)',
    map_state: 'String: exact | radius (points)',
    radius_m: 'Number: radius of the uncertainty circle in metres, radius mode only',
    cluster: 'Boolean: true for a cluster',
    count: 'Number: accounts in the cluster, only when 5 or more',
    count_label: "String: the count, or '<5'",
    cell: 'String: H3 cell of a rollup cluster (hex)',
    resolution: 'Number: H3 resolution of a rollup cluster',
  },
  async render(sql, tile, _filters, options): Promise<RenderedLayer> {
    if (rollupLevel(tile.z)) return clusters(sql, tile, options?.limit);
    const [dense] = await sql<{ n: number }[]>`
      WITH b AS (${tileBounds(sql, tile)})
      SELECT count(*)::int AS n FROM (
        SELECT 1 FROM accounts a, b WHERE a.public_point && b.env4326 AND ${sql.unsafe(ON_MAP)}
         LIMIT ${MAX_POINTS_PER_TILE + 1}
      ) s`;
    if (dense!.n > MAX_POINTS_PER_TILE) return { mvt: await gridClusters(sql, tile) };
    return { mvt: await points(sql, tile) };
  },
};
