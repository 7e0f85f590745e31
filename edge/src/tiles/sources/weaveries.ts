// `weaveries`: Ortswebereien as areas with name and slug. Below z12 the outline is simplified
// to a tile unit first (an area may have 10,000 vertices; a low-zoom tile needs a handful).
import type { TileSource } from './tile-source.ts';
import { mvtOf, tileBounds, WORLD_HALF } from './tile-source.ts';

const SIMPLIFY_BELOW_ZOOM = 12;

export const weaveriesSource: TileSource = {
  name: 'weaveries',
  description: 'Ortswebereien: local communities and the area they cover',
  minzoom: 0,
  maxzoom: 22,
  rollupMaxZoom: null,
  filters: [],
  fields: {
    id: 'String: uuid of the weavery',
    name: 'String: name',
    slug: 'String: slug',
  },
  async render(sql, tile) {
    const unit = (2 * WORLD_HALF) / 2 ** tile.z / 4096;
    const shape =
      tile.z < SIMPLIFY_BELOW_ZOOM
        ? sql`ST_SimplifyPreserveTopology(ST_Transform(w.area, 3857), ${unit})`
        : sql`ST_Transform(w.area, 3857)`;
    return {
      mvt: await mvtOf(sql<{ mvt: Uint8Array | null }[]>`
        WITH b AS (${tileBounds(sql, tile)})
        SELECT ST_AsMVT(f, 'weaveries', 4096, 'geom', 'fid') AS mvt FROM (
          SELECT w.seq AS fid, ST_AsMVTGeom(${shape}, b.env, 4096, 64, true) AS geom,
                 w.id::text AS id, w.name, w.slug
            FROM weaveries w, b
           WHERE w.area && b.env4326
        ) f WHERE geom IS NOT NULL`),
    };
  },
};
