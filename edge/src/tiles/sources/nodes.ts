// `nodes`: Knoten as points from z9 on; up to z8 one cluster point per H3 rollup cell (count
// and counts per kind). A detail tile with more points than a tile can carry is drawn as
// clusters on a 64×64 grid instead, so no tile grows past the size limit.
import type { Sql } from '@weltgewebe/db/client';
import type { TileFilters } from '../tile-filters.ts';
import type { TileCoord } from '../tile-math.ts';
import { rollupCellsSql, rollupLevel } from './rollup-cells.ts';
import {
  layerOf,
  mvtOf,
  nodeFilterSql,
  type RenderedLayer,
  type TileSource,
  tileBounds,
  WORLD_HALF,
} from './tile-source.ts';

/** More points than this in one detail tile (with buffer) are drawn as grid clusters. */
export const MAX_POINTS_PER_TILE = 1500;
/** Grid clusters: cells per tile side. */
const GRID = 64;

async function clusters(sql: Sql, tile: TileCoord, filters: TileFilters, limit?: number) {
  const level = rollupLevel(tile.z)!;
  return layerOf(sql<{ mvt: Uint8Array | null; features: number }[]>`
    WITH b AS (${tileBounds(sql, tile)}),
    c AS (${rollupCellsSql(sql, tile, level, filters, 'nodes', limit)})
    SELECT ST_AsMVT(f, 'nodes', 4096, 'geom', 'fid') AS mvt, count(*)::int AS features FROM (
      SELECT tile_h3_feature_id(c.cell) AS fid,
             ST_AsMVTGeom(ST_Transform(c.centre, 3857), b.env, 4096, 64, true) AS geom,
             true AS cluster, c.nodes AS count, c.place, c.resource, c.project, c.event,
             to_hex(c.cell) AS cell, c.resolution
        FROM c, b
    ) f WHERE geom IS NOT NULL`);
}

async function gridClusters(sql: Sql, tile: TileCoord, filters: TileFilters) {
  const size = (2 * WORLD_HALF) / 2 ** tile.z / GRID;
  return mvtOf(sql<{ mvt: Uint8Array | null }[]>`
    WITH b AS (${tileBounds(sql, tile)}),
    p AS (
      SELECT n.seq, n.kind, ST_Transform(n.location, 3857) AS pt
        FROM live_nodes n, b
       WHERE n.location && b.env4326 ${nodeFilterSql(sql, filters)}
    ),
    g AS (
      SELECT min(seq) AS seq, count(*)::int AS count,
             count(*) FILTER (WHERE kind = 'place')::int AS place,
             count(*) FILTER (WHERE kind = 'resource')::int AS resource,
             count(*) FILTER (WHERE kind = 'project')::int AS project,
             count(*) FILTER (WHERE kind = 'event')::int AS event,
             ST_Centroid(ST_Collect(pt)) AS pt
        FROM p
       GROUP BY floor((ST_X(pt) + ${WORLD_HALF}) / ${size}), floor((ST_Y(pt) + ${WORLD_HALF}) / ${size})
    )
    SELECT ST_AsMVT(f, 'nodes', 4096, 'geom', 'fid') AS mvt FROM (
      -- Grid cluster ids: 2^51 + the smallest member seq (never a node seq or an H3 id).
      SELECT (1::bigint << 51) + g.seq AS fid,
             ST_AsMVTGeom(g.pt, b.env, 4096, 64, true) AS geom,
             true AS cluster, g.count, g.place, g.resource, g.project, g.event
        FROM g, b
    ) f WHERE geom IS NOT NULL`);
}

async function points(sql: Sql, tile: TileCoord, filters: TileFilters) {
  return mvtOf(sql<{ mvt: Uint8Array | null }[]>`
    WITH b AS (${tileBounds(sql, tile)})
    SELECT ST_AsMVT(f, 'nodes', 4096, 'geom', 'fid') AS mvt FROM (
      SELECT n.seq AS fid,
             ST_AsMVTGeom(ST_Transform(n.location, 3857), b.env, 4096, 64, true) AS geom,
             n.id::text AS id, n.kind, n.title, array_to_string(n.topics, ',') AS topics
        FROM live_nodes n, b
       WHERE n.location && b.env4326 ${nodeFilterSql(sql, filters)}
    ) f WHERE geom IS NOT NULL`);
}

export const nodesSource: TileSource = {
  name: 'nodes',
  description:
    'Knoten: places, resources, projects and events; clusters from H3 rollups up to z8, points from z9',
  minzoom: 0,
  maxzoom: 22,
  rollupMaxZoom: 8,
  filters: ['kinds', 'topics'],
  fields: {
    id: 'String: uuid of the node (points)',
    kind: 'String: place | resource | project | event (points)',
    title: 'String: title (points)',
    topics: 'String: comma-separated topics (points)',
    cluster: 'Boolean: true for a cluster (z0–8, or a detail tile too dense for points)',
    count: 'Number: nodes in the cluster (of the filtered kinds/topics)',
    place: 'Number: places in the cluster',
    resource: 'Number: resources in the cluster',
    project: 'Number: projects in the cluster',
    event: 'Number: events in the cluster',
    cell: 'String: H3 cell of a rollup cluster (hex)',
    resolution: 'Number: H3 resolution of a rollup cluster',
  },
  async render(sql, tile, filters, options): Promise<RenderedLayer> {
    if (rollupLevel(tile.z)) return clusters(sql, tile, filters, options?.limit);
    const [dense] = await sql<{ n: number }[]>`
      WITH b AS (${tileBounds(sql, tile)})
      SELECT count(*)::int AS n FROM (
        SELECT 1 FROM live_nodes n, b
         WHERE n.location && b.env4326 ${nodeFilterSql(sql, filters)}
         LIMIT ${MAX_POINTS_PER_TILE + 1}
      ) s`;
    if (dense!.n > MAX_POINTS_PER_TILE) return { mvt: await gridClusters(sql, tile, filters) };
    return { mvt: await points(sql, tile, filters) };
  },
};
