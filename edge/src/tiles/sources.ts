// Tile sources: the SQL that renders each layer with ST_AsMVT (parameterised, never concatenated input).
import type { Sql } from '@weltgewebe/db/client';
import { TILE_BUFFER, TILE_EXTENT, type TileCoord } from './tile-math.ts';

export interface TileSource {
  name: string;
  description: string;
  minzoom: number;
  maxzoom: number;
  fields: Record<string, string>;
  render(sql: Sql, tile: TileCoord): Promise<Uint8Array>;
}

const margin = TILE_BUFFER / TILE_EXTENT;

const nodes: TileSource = {
  name: 'nodes',
  description: 'Knoten: places, resources, projects and events',
  minzoom: 0,
  maxzoom: 22,
  fields: {
    id: 'uuid of the node',
    kind: 'place | resource | project | event',
    title: 'title',
    topics: 'comma-separated topics',
  },
  async render(sql, { z, x, y }) {
    const rows = await sql<{ mvt: Uint8Array | null }[]>`
      WITH bounds AS (
        SELECT ST_TileEnvelope(${z}, ${x}, ${y}) AS env,
               ST_Transform(ST_TileEnvelope(${z}, ${x}, ${y}, margin => ${margin}), 4326) AS env4326
      ), features AS (
        SELECT n.seq AS fid,
               ST_AsMVTGeom(ST_Transform(n.location, 3857), bounds.env, ${TILE_EXTENT}, ${TILE_BUFFER}, true) AS geom,
               n.id::text AS id, n.kind, n.title, array_to_string(n.topics, ',') AS topics
        FROM nodes n, bounds
        WHERE n.location && bounds.env4326 AND n.removed_at IS NULL AND n.hidden_at IS NULL
      )
      SELECT ST_AsMVT(features, 'nodes', ${TILE_EXTENT}, 'geom', 'fid') AS mvt FROM features WHERE geom IS NOT NULL`;
    return rows[0]?.mvt ?? new Uint8Array();
  },
};

export const TILE_SOURCES: Record<string, TileSource> = { nodes };
