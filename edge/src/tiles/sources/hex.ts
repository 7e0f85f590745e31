// `hex`: the H3 rollups as polygons with their counts, for low zooms (z0–8, the same zoom →
// resolution mapping as the node clusters). Account counts follow the k ≥ 5 rule.
import { K_ANONYMITY, rollupCellsSql, rollupLevel } from './rollup-cells.ts';
import { EMPTY_LAYER, layerOf, type TileSource, tileBounds } from './tile-source.ts';

export const hexSource: TileSource = {
  name: 'hex',
  description: 'H3 rollups as hexagons with counts of nodes by kind, accounts and live threads',
  minzoom: 0,
  maxzoom: 8,
  rollupMaxZoom: 8,
  filters: ['kinds', 'topics'],
  fields: {
    cell: 'String: H3 cell (hex); below z3 a parent of resolution-3 cells, drawn as their hull',
    resolution: 'Number: H3 resolution',
    nodes: 'Number: nodes (of the filtered kinds/topics)',
    place: 'Number: places',
    resource: 'Number: resources',
    project: 'Number: projects',
    event: 'Number: events',
    threads: 'Number: live threads to nodes in the cell',
    accounts: 'Number: accounts on the map, only when 5 or more',
    accounts_label: "String: the account count, or '<5'",
  },
  async render(sql, tile, filters, options) {
    const level = rollupLevel(tile.z);
    if (!level) return EMPTY_LAYER;
    return layerOf(sql<{ mvt: Uint8Array | null; features: number }[]>`
        WITH b AS (${tileBounds(sql, tile)}),
        c AS (${rollupCellsSql(sql, tile, level, filters, 'any', options?.limit)})
        SELECT ST_AsMVT(f, 'hex', 4096, 'geom', 'fid') AS mvt, count(*)::int AS features FROM (
          SELECT tile_h3_feature_id(c.cell) AS fid,
                 ST_AsMVTGeom(ST_Transform(c.boundary, 3857), b.env, 4096, 64, true) AS geom,
                 to_hex(c.cell) AS cell, c.resolution, c.nodes, c.place, c.resource, c.project,
                 c.event, c.threads,
                 CASE WHEN c.accounts >= ${K_ANONYMITY} THEN c.accounts END AS accounts,
                 CASE WHEN c.accounts >= ${K_ANONYMITY} THEN c.accounts::text
                      ELSE ${`<${K_ANONYMITY}`} END AS accounts_label
            FROM c, b
        ) f WHERE geom IS NOT NULL`);
  },
};
