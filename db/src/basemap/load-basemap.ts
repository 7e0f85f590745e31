// Loads the self-hosted basemap into PostGIS: land, water (the world square less land), country
// borders, place and country labels. Shapes are stored per zoom band, generalised for the
// band's lowest zoom and cut into small pieces (ST_Subdivide), so every tile clips a few
// hundred vertices and no low-zoom tile carries coastline detail it cannot show.
// Idempotent: it does nothing when the same data version is already loaded.
import postgres from 'postgres';
import { copyLine, copyRows } from '../copy-rows.ts';
import { readGazetteer } from '../gazetteer/source.ts';
import {
  type AtlasScale,
  borderLines,
  countries,
  dataVersions,
  landPolygons,
} from './basemap-data.ts';

export interface BasemapBand {
  minzoom: number;
  maxzoom: number;
  scale: AtlasScale;
  /** Generalised for this zoom: one tile unit (of 4096) of its tiles. */
  toleranceZoom: number;
}

/**
 * Natural Earth 1:110m for the world view, 1:50m from continents on. (1:10m would be finer
 * at city zooms but takes a minute to load instead of seconds; the map's own data is the
 * detail there.)
 */
export const BASEMAP_BANDS: readonly BasemapBand[] = [
  { minzoom: 0, maxzoom: 2, scale: '110m', toleranceZoom: 2 },
  { minzoom: 3, maxzoom: 5, scale: '50m', toleranceZoom: 3 },
  { minzoom: 6, maxzoom: 22, scale: '50m', toleranceZoom: 6 },
];

/** Bumped when the way the tables are built changes, so `up` rebuilds them once. */
const LOADER_VERSION = 'basemap-1';
const WORLD_HALF = 20037508.342789244;
const MAX_LAT = 85.0511287798;
/** Vertices per stored piece: small pieces clip fast and index tightly. */
const PIECE_VERTICES = 256;

const unitAt = (z: number) => (2 * WORLD_HALF) / 2 ** z / 4096;

export interface LoadBasemapOptions {
  log?: (line: string) => void;
  /** Reload even when this data version is already there. */
  force?: boolean;
}

export interface BasemapSummary {
  loaded: boolean;
  version: string;
  shapes: number;
  places: number;
}

export async function loadBasemap(
  url: string,
  options: LoadBasemapOptions = {},
): Promise<BasemapSummary> {
  const log = options.log ?? (() => {});
  const version = `${LOADER_VERSION};${dataVersions()}`;
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtext('weltgewebe.basemap'))`;
      const [meta] = await tx<{ version: string }[]>`SELECT version FROM basemap_meta`;
      if (meta?.version === version && !options.force) {
        const [n] = await tx<{ shapes: number; places: number }[]>`
          SELECT (SELECT count(*) FROM basemap_shapes)::int AS shapes,
                 (SELECT count(*) FROM basemap_places)::int AS places`;
        log('basemap already loaded');
        return { loaded: false, version, ...n! };
      }
      const started = performance.now();
      await tx`TRUNCATE basemap_shapes, basemap_places`;
      // Indexes are built once after the load (as 0007 defines them): far faster than growing them.
      await tx`DROP INDEX IF EXISTS basemap_shapes_geom_gix`;
      await tx`DROP INDEX IF EXISTS basemap_places_geom_gix`;
      await tx`CREATE TEMP TABLE basemap_source (kind text, scale text, name text, geom geometry)
        ON COMMIT DROP`;

      let lap = performance.now();
      const step = (what: string) => {
        const now = performance.now();
        log(`basemap: ${what} (${Math.round(now - lap)} ms)`);
        lap = now;
      };
      const scales = [...new Set(BASEMAP_BANDS.map((b) => b.scale))];
      for (const scale of scales) {
        await insertSource(tx, 'land', scale, landPolygons(scale));
        await insertSource(tx, 'border', scale, borderLines(scale));
        step(`${scale} source shapes`);
      }
      const named = countries('50m');
      await insertSource(
        tx,
        'country',
        '50m',
        named.flatMap((c) => c.polygons),
        named.flatMap((c) => c.polygons.map(() => c.name)),
      );
      step('countries');
      for (const band of BASEMAP_BANDS) {
        await buildBand(tx, band);
        step(`band z${band.minzoom}–${band.maxzoom}`);
      }
      await insertCountryLabels(tx);
      step('country labels');
      await insertPlaces(tx);
      step('places');

      await tx`INSERT INTO basemap_meta (version) VALUES (${version})
        ON CONFLICT (singleton) DO UPDATE SET version = EXCLUDED.version, loaded_at = now()`;
      await tx`CREATE INDEX basemap_shapes_geom_gix ON basemap_shapes USING gist (geom)`;
      await tx`CREATE INDEX basemap_places_geom_gix ON basemap_places USING gist (geom)`;
      step('indexes');
      await tx`ANALYZE basemap_shapes`;
      await tx`ANALYZE basemap_places`;
      const [n] = await tx<{ shapes: number; places: number }[]>`
        SELECT (SELECT count(*) FROM basemap_shapes)::int AS shapes,
               (SELECT count(*) FROM basemap_places)::int AS places`;
      log(
        `basemap loaded: ${n!.shapes} shapes, ${n!.places} labels in ${Math.round(performance.now() - started)} ms`,
      );
      return { loaded: true, version, ...n! };
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

type Tx = postgres.TransactionSql;

/**
 * GeoJSON in WGS84 → valid, split at the antimeridian, clipped to what Mercator can show,
 * in Web Mercator metres.
 */
async function insertSource(
  tx: Tx,
  kind: 'land' | 'border' | 'country',
  scale: AtlasScale,
  geojson: string[],
  names: string[] = geojson.map(() => ''),
) {
  for (let i = 0; i < geojson.length; i += 2_000) {
    const chunk = geojson.slice(i, i + 2_000);
    await tx`
      INSERT INTO basemap_source (kind, scale, name, geom)
      SELECT ${kind}, ${scale}, name, g FROM (
        SELECT name, ST_Transform(
                 ST_Intersection(
                   ST_WrapX(ST_WrapX(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(j), 4326)), 180, -360), -180, 360),
                   ST_MakeEnvelope(-180, ${-MAX_LAT}, 180, ${MAX_LAT}, 4326)),
                 3857) AS g
          FROM unnest(${chunk}::text[], ${names.slice(i, i + 2_000)}::text[]) AS x(j, name)
      ) s
      WHERE NOT ST_IsEmpty(g)`;
  }
}

async function buildBand(tx: Tx, band: BasemapBand) {
  const tol = unitAt(band.toleranceZoom);
  // Islands smaller than a few tile units at the band's lowest zoom are not drawn there.
  const minArea = (2 * unitAt(band.minzoom)) ** 2;
  await tx`CREATE TEMP TABLE basemap_band_land ON COMMIT DROP AS
    SELECT g AS geom FROM (
      SELECT (ST_Dump(ST_CollectionExtract(ST_MakeValid(ST_SimplifyPreserveTopology(geom, ${tol})), 3))).geom AS g
        FROM basemap_source WHERE kind = 'land' AND scale = ${band.scale}
    ) s
    WHERE ST_Area(g) >= ${minArea}`;
  await tx`CREATE INDEX ON basemap_band_land USING gist (geom)`;
  await tx`
    INSERT INTO basemap_shapes (kind, minzoom, maxzoom, geom)
    SELECT 'land', ${band.minzoom}, ${band.maxzoom}, ST_Subdivide(geom, ${PIECE_VERTICES})
      FROM basemap_band_land`;
  // Water is the world square less land, built per square of a 16×16 grid so each difference
  // stays small. Land polygons never overlap (world-atlas merges them), so their parts in a
  // square collect into a valid MultiPolygon without a costly union.
  await tx`
    INSERT INTO basemap_shapes (kind, minzoom, maxzoom, geom)
    SELECT 'water', ${band.minzoom}, ${band.maxzoom}, ST_Subdivide(g, ${PIECE_VERTICES})
      FROM (
        SELECT ST_CollectionExtract(ST_Difference(sq.env, COALESCE(
                 (SELECT ST_MakeValid(ST_Collect(ST_CollectionExtract(ST_Intersection(l.geom, sq.env), 3)))
                    FROM basemap_band_land l WHERE l.geom && sq.env),
                 'SRID=3857;POLYGON EMPTY'::geometry)), 3) AS g
          FROM (SELECT ST_TileEnvelope(4, x, y) AS env
                  FROM generate_series(0, 15) x, generate_series(0, 15) y) sq
      ) s
     WHERE NOT ST_IsEmpty(g)`;
  await tx`DROP TABLE basemap_band_land`;
  await tx`
    INSERT INTO basemap_shapes (kind, minzoom, maxzoom, geom)
    SELECT 'border', ${band.minzoom}, ${band.maxzoom}, ST_Subdivide(g, ${PIECE_VERTICES})
      FROM (
        SELECT ST_CollectionExtract(ST_Simplify(geom, ${tol}), 2) AS g
          FROM basemap_source WHERE kind = 'border' AND scale = ${band.scale}
      ) s
     WHERE g IS NOT NULL AND NOT ST_IsEmpty(g)`;
}

/** A label per country on its largest polygon; large countries are labelled earlier. */
async function insertCountryLabels(tx: Tx) {
  await tx`
    INSERT INTO basemap_places (kind, name, minzoom, geom)
    SELECT 'country', name,
           CASE WHEN km2 >= 1000000 THEN 2 WHEN km2 >= 100000 THEN 3 WHEN km2 >= 10000 THEN 4 ELSE 5 END,
           ST_PointOnSurface(largest)
      FROM (
        SELECT name,
               sum(ST_Area(ST_Transform(geom, 4326)::geography)) / 1e6 AS km2,
               (array_agg(geom ORDER BY ST_Area(geom) DESC))[1] AS largest
          FROM (SELECT name, (ST_Dump(geom)).geom AS geom FROM basemap_source WHERE kind = 'country') d
         GROUP BY name
      ) c`;
}

/** The zoom from which a place is labelled, by population. */
export function placeMinZoom(population: number): number {
  const steps: Array<[number, number]> = [
    [8_000_000, 2],
    [3_000_000, 3],
    [1_000_000, 4],
    [500_000, 5],
    [200_000, 6],
    [100_000, 7],
    [50_000, 8],
    [20_000, 9],
    [10_000, 10],
    [5_000, 11],
  ];
  return steps.find(([min]) => population >= min)?.[1] ?? 12;
}

const mercator = (lat: number, lon: number) => [
  (lon * WORLD_HALF) / 180,
  (Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360)) * WORLD_HALF) / Math.PI,
];

/** Place labels from the gazetteer source (German names where the map uses them). */
async function insertPlaces(tx: Tx) {
  const all = await readGazetteer();
  await copyRows(
    tx,
    'basemap_places',
    ['kind', 'name', 'country', 'population', 'minzoom', 'geom'],
    (function* () {
      for (const p of all) {
        const [x, y] = mercator(p.lat, p.lon);
        yield copyLine([
          'place',
          p.name,
          p.country,
          p.population,
          placeMinZoom(p.population),
          `SRID=3857;POINT(${x} ${y})`,
        ]);
      }
    })(),
  );
}
