// Low zooms never scan points: nodes, accounts and hex tiles up to z8 read the H3 rollups the
// core keeps. This file holds the zoom → resolution mapping and the SQL of the cells a tile
// shows. Below z3 even resolution 3 is sub-pixel (41,000 cells on the world tile), so cells
// are grouped to their parent at resolution z (parents by bit arithmetic, tile_h3_parent).
import type { Sql } from '@weltgewebe/db/client';
import { NODE_KINDS, type NodeKind, type TileFilters } from '../tile-filters.ts';
import type { TileCoord } from '../tile-math.ts';
import { BUFFER_MARGIN, envelope4326 } from './tile-source.ts';

/** Zooms up to this one are drawn from rollups; from the next one on, real points. */
export const ROLLUP_MAX_ZOOM = 8;

export interface RollupLevel {
  /** The h3_rollups resolution read. */
  resolution: 3 | 5 | 7;
  /** Resolution of the cells drawn (a parent of `resolution` at z0–2). */
  shown: number;
  /** How far (km) a drawn cell reaches from any point in it, for invalidation. */
  reachKm: number;
}

// Generous circumradii (about twice the mean H3 edge length; parents also cover the overhang
// of their children).
const REACH_KM: Record<number, number> = { 0: 2500, 1: 950, 2: 360, 3: 140, 5: 20, 7: 3 };

/** How far (km) a cell of this resolution (3, 5 or 7) reaches from any point in it. */
export function cellReachKm(resolution: number): number {
  return REACH_KM[resolution]!;
}

/**
 * z0–2 → parents at resolution z of res-3 cells, z3–5 → 3, z6–7 → 5, z8 → 7, z9+ → none. One
 * zoom finer (res 5 at z5, res 7 at z7) a dense tile of the large world held 2,000–5,000 cells
 * per layer: 300–400 KB of hexagons alone and hundreds of ms per layer (bench/README.md).
 */
export function rollupLevel(z: number): RollupLevel | null {
  if (z > ROLLUP_MAX_ZOOM) return null;
  const resolution = z <= 5 ? 3 : z <= 7 ? 5 : 7;
  const shown = z <= 2 ? z : resolution;
  return { resolution, shown, reachKm: REACH_KM[shown]! };
}

/** Which cells a layer draws: those with nodes, with accounts, or with anything. */
export type CellMeasure = 'nodes' | 'accounts' | 'any';

const kindColumn: Record<NodeKind, string> = {
  place: 'nodes_place',
  resource: 'nodes_resource',
  project: 'nodes_project',
  event: 'nodes_event',
};

/**
 * A query of the cells this tile shows: cell (bigint), resolution, place, resource, project,
 * event, nodes (of the selected kinds), accounts, threads, boundary and centre (4326).
 * With a topic filter the counts come from the nodes of each cell (rollups hold no topics),
 * through the per-resolution H3 columns, so a whole cell is still counted even where it
 * reaches beyond the tile. With `limit`, only that many cells, the fullest first.
 */
export function rollupCellsSql(
  sql: Sql,
  tile: TileCoord,
  level: RollupLevel,
  filters: TileFilters,
  measure: CellMeasure,
  limit?: number,
) {
  const query = cellsOfTile(sql, tile, level, filters, measure);
  if (limit === undefined) return query;
  // The cells with the most in them are kept; the emptiest are left out first.
  const weight =
    measure === 'accounts'
      ? sql`accounts`
      : measure === 'nodes'
        ? sql`nodes`
        : sql`nodes + accounts + threads`;
  // Materialized: the cells are found as without a limit (GiST on the box), then sorted; a
  // LIMIT seen by the planner would otherwise favour walking the primary key.
  return sql`WITH q AS MATERIALIZED (${query})
    SELECT * FROM q ORDER BY ${weight} DESC, cell LIMIT ${limit}`;
}

function cellsOfTile(
  sql: Sql,
  tile: TileCoord,
  level: RollupLevel,
  filters: TileFilters,
  measure: CellMeasure,
) {
  const grouped = level.shown !== level.resolution;
  // Grouped parents straddle tiles: read their children well beyond the tile.
  const margin = grouped ? 0.5 : BUFFER_MARGIN;
  const env = envelope4326(sql, tile, margin);
  const kinds = filters.kinds ?? NODE_KINDS;
  const base = filters.topics
    ? sql`
        WITH cells AS (
          SELECT r.cell, r.boundary, r.accounts, r.threads FROM h3_rollups r
           WHERE r.resolution = ${level.resolution}::smallint AND r.boundary && ${env}
        ), counts AS (
          SELECT n.${sql(`h3_r${level.resolution}`)} AS cell,
                 ${sql.unsafe(
                   NODE_KINDS.map((k) =>
                     kinds.includes(k)
                       ? `count(*) FILTER (WHERE n.kind = '${k}')::int AS ${k}`
                       : `0 AS ${k}`,
                   ).join(', '),
                 )}
            FROM live_nodes n
           WHERE n.${sql(`h3_r${level.resolution}`)} IN (SELECT cell FROM cells)
             AND n.topics && ${filters.topics}::text[] AND n.kind = ANY(${[...kinds]}::text[])
           GROUP BY 1
        )
        SELECT c.cell, c.boundary, c.accounts, c.threads, k.place, k.resource, k.project, k.event
          FROM cells c JOIN counts k ON k.cell = c.cell`
    : sql`
        SELECT r.cell, r.boundary, r.accounts, r.threads,
               ${sql.unsafe(
                 NODE_KINDS.map((k) =>
                   kinds.includes(k) ? `r.${kindColumn[k]} AS ${k}` : `0 AS ${k}`,
                 ).join(', '),
               )}
          FROM h3_rollups r
         WHERE r.resolution = ${level.resolution}::smallint AND r.boundary && ${env}`;
  const filtered = filters.kinds !== null || filters.topics !== null;
  const keep =
    measure === 'accounts'
      ? sql`accounts > 0`
      : measure === 'nodes' || filtered
        ? sql`place + resource + project + event > 0`
        : sql`place + resource + project + event + accounts + threads > 0`;
  const cells = sql`SELECT * FROM (${base}) b WHERE ${keep}`;
  if (!grouped) {
    return sql`
      SELECT cell, ${level.shown}::int AS resolution, place, resource, project, event,
             place + resource + project + event AS nodes, accounts, threads, boundary,
             ST_Centroid(boundary) AS centre
        FROM (${cells}) c`;
  }
  // A parent drawn as the hull of its populated children, its point at their mean centre.
  return sql`
    SELECT tile_h3_parent(cell, ${level.shown}) AS cell, ${level.shown}::int AS resolution,
           sum(place)::int AS place, sum(resource)::int AS resource,
           sum(project)::int AS project, sum(event)::int AS event,
           sum(place + resource + project + event)::int AS nodes,
           sum(accounts)::int AS accounts, sum(threads)::int AS threads,
           ST_ConvexHull(ST_Collect(boundary)) AS boundary,
           ST_SetSRID(ST_MakePoint(avg(ST_X(ST_Centroid(boundary))), avg(ST_Y(ST_Centroid(boundary)))), 4326) AS centre
      FROM (${cells}) c
     GROUP BY 1`;
}

/** Aggregates never show fewer than 5 accounts (core/README.md): the number, or '<5'. */
export const K_ANONYMITY = 5;
