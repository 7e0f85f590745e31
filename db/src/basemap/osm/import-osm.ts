// Imports an OpenStreetMap extract (.osm.pbf or .osm) into the basemap's `osm` schema with
// osm2pgsql (flex output, weltgewebe.lua), the way OpenMapTiles/Protomaps basemaps select data:
// every feature gets the zoom from which it is drawn (by class, and by area for polygons),
// low zooms read merged and simplified copies. A rerun never shows a half-imported basemap:
// osm2pgsql loads raw tables into `osm_raw`, the served tables are built and indexed in
// `osm_next` (same definition as `osm`, migration 0011), and one transaction swaps the schemas.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { BUILDING_DETAIL_ZOOM, BUILDING_MINZOOM, OSM_DETAIL_ZOOM } from './osm-zooms.ts';

export const OSM_STYLE = fileURLToPath(new URL('./weltgewebe.lua', import.meta.url));

/** Served tables of schema `osm` (migration 0011), rebuilt by every import. */
const SERVED = [
  'meta',
  'water',
  'waterways',
  'landuse',
  'roads',
  'buildings',
  'housenumbers',
  'labels',
  'roads_low',
  'areas_low',
  'buildings_low',
] as const;

/** Zoom from which a road class is drawn (major roads early, paths only in the city view). */
export const ROAD_MINZOOM: Record<string, number> = {
  motorway: 5,
  trunk: 6,
  primary: 8,
  secondary: 9,
  tertiary: 11,
  rail: 10,
  minor: 12,
  pedestrian: 13,
  subway: 13,
  tram: 13,
  service: 14,
  track: 14,
  path: 14,
};
const WATERWAY_MINZOOM: Record<string, number> = { river: 8, canal: 10, stream: 13, ditch: 14 };
const LOCALITY_MINZOOM: Record<string, number> = {
  village: 11,
  suburb: 11,
  island: 12,
  quarter: 13,
  hamlet: 13,
  neighbourhood: 14,
  islet: 14,
  locality: 15,
  square: 15,
};
/** POIs from z15, stations from z13. */
const POI_MINZOOM = 15;

/** Low-zoom bands: generalised for the band's lowest zoom. */
const LOW_BANDS = [
  { minzoom: 5, maxzoom: 7 },
  { minzoom: 8, maxzoom: 9 },
  { minzoom: 10, maxzoom: OSM_DETAIL_ZOOM - 1 },
];

const WORLD = 40075016.68557849;
const unitAt = (z: number) => WORLD / 2 ** z / 4096;
/** A polygon is drawn from the zoom where it covers at least this many tile units (of 4096) square. */
const MIN_SIDE_UNITS = 16;
/** Vertices per stored piece of a large polygon (the Elbe, a forest): cheap to clip per tile. */
const PIECE_VERTICES = 512;
/**
 * buildings_low: buildings closer than one screen pixel at z14 (8 tile units; tiles are drawn
 * 512 px wide) close into one block, so the gap is filled by half of it from either side.
 */
const BLOCK_CLOSING = 4 * unitAt(BUILDING_DETAIL_ZOOM - 1);
/** Buildings are closed into blocks per cell of this size (m): bounded work per group. */
const BLOCK_CELL = 250;
const CLOSING_STYLE = 'quad_segs=1 join=mitre mitre_limit=2';

export interface ImportOsmOptions {
  log?: (line: string) => void;
  /** osm2pgsql's node cache in MB (RAM middle); large extracts should use `flatNodes`. */
  cacheMb?: number;
  /** osm2pgsql's on-disk middle (in osm_raw, dropped after): for country-sized extracts. */
  slim?: boolean;
  /** A file for node locations (implies slim): pays off for continents and the planet. */
  flatNodes?: string;
  processes?: number;
  /** Called after the served tables are built, before the swap (tests hold a reader here). */
  beforeSwap?: () => Promise<void>;
}

export interface OsmImportSummary {
  source: string;
  counts: Record<string, number>;
  ms: number;
}

export class OsmImportError extends Error {
  constructor(
    readonly code: 'OSM_FILE_MISSING' | 'OSM_FILE_TYPE' | 'OSM2PGSQL_MISSING' | 'OSM2PGSQL_FAILED',
    message: string,
  ) {
    super(message);
  }
}

const OSM_FILE = /\.(osm\.pbf|pbf|osm|osm\.bz2|osm\.gz|opl)$/;

/** Minimal zoom at which a polygon of `area` m² covers MIN_SIDE_UNITS² tile units, as SQL. */
const areaZoom = (areaSql: string, floor: number) =>
  `GREATEST(${floor}, LEAST(22, CEIL(LN(${MIN_SIDE_UNITS * (WORLD / 4096)} / SQRT(GREATEST(${areaSql}, 1e-6))) / LN(2))))::smallint`;

const caseOf = (column: string, map: Record<string, number>, otherwise: number) =>
  `CASE ${column} ${Object.entries(map)
    .map(([k, v]) => `WHEN '${k}' THEN ${v}`)
    .join(' ')} ELSE ${otherwise} END`;

export async function importOsm(
  url: string,
  file: string,
  options: ImportOsmOptions = {},
): Promise<OsmImportSummary> {
  const log = options.log ?? (() => {});
  if (!existsSync(file)) throw new OsmImportError('OSM_FILE_MISSING', `no such file: ${file}`);
  if (!OSM_FILE.test(file)) {
    throw new OsmImportError('OSM_FILE_TYPE', `not an OSM extract (.osm.pbf or .osm): ${file}`);
  }
  const binary = Bun.which('osm2pgsql');
  if (!binary) {
    throw new OsmImportError(
      'OSM2PGSQL_MISSING',
      'osm2pgsql not found: apt-get install osm2pgsql (npm run up installs it)',
    );
  }
  const started = performance.now();
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    // One import at a time (a session lock: the import spans many transactions).
    await sql`SELECT pg_advisory_lock(hashtext('weltgewebe.osm-import'))`;
    await sql`DROP SCHEMA IF EXISTS osm_raw CASCADE`;
    await sql`CREATE SCHEMA osm_raw`;

    const args = [
      binary,
      '--output=flex',
      `--style=${OSM_STYLE}`,
      '--create',
      `--database=${url}`,
      `--cache=${options.cacheMb ?? 800}`,
      `--number-processes=${options.processes ?? 2}`,
      '--log-progress=false',
    ];
    if (options.slim || options.flatNodes) {
      args.push('--slim', '--drop', '--middle-schema=osm_raw');
      if (options.flatNodes) args.push(`--flat-nodes=${options.flatNodes}`);
    }
    args.push(file);
    log(`osm: osm2pgsql ${file} (${Math.round(statSync(file).size / 1e6)} MB)`);
    const proc = Bun.spawn(args, {
      env: { ...process.env, WG_OSM_SCHEMA: 'osm_raw' },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const [out, err, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    if (code !== 0) {
      throw new OsmImportError(
        'OSM2PGSQL_FAILED',
        `osm2pgsql exited with ${code}: ${(err || out).trim().split('\n').slice(-5).join('\n')}`,
      );
    }
    log(`osm: raw tables loaded (${Math.round(performance.now() - started)} ms)`);

    await buildNext(sql, url, file, options.processes ?? 2);
    log(`osm: served tables built (${Math.round(performance.now() - started)} ms)`);
    await options.beforeSwap?.();
    await sql.begin(async (tx) => {
      await tx`SET LOCAL lock_timeout = '60s'`;
      await tx`DROP SCHEMA IF EXISTS osm_old CASCADE`;
      await tx`ALTER SCHEMA osm RENAME TO osm_old`;
      await tx`ALTER SCHEMA osm_next RENAME TO osm`;
      await tx`DROP SCHEMA osm_old CASCADE`;
    });
    await sql`DROP SCHEMA IF EXISTS osm_raw CASCADE`;
    const counts: Record<string, number> = {};
    for (const t of SERVED) {
      const [row] = await sql<
        { n: number }[]
      >`SELECT count(*)::int AS n FROM ${sql('osm')}.${sql(t)}`;
      counts[t] = row?.n ?? 0;
    }
    const ms = Math.round(performance.now() - started);
    log(`osm: swapped in ${JSON.stringify(counts)} in ${ms} ms`);
    return { source: file, counts, ms };
  } catch (e) {
    await sql`DROP SCHEMA IF EXISTS osm_next CASCADE`.catch(() => {});
    await sql`DROP SCHEMA IF EXISTS osm_raw CASCADE`.catch(() => {});
    throw e;
  } finally {
    await sql`SELECT pg_advisory_unlock_all()`.catch(() => {});
    await sql.end({ timeout: 5 });
  }
}

/** Fills `osm_next` from `osm_raw`: zooms per feature, low-zoom copies, the live indexes, grants. */
async function buildNext(sql: postgres.Sql, url: string, file: string, processes: number) {
  await sql`DROP SCHEMA IF EXISTS osm_next CASCADE`;
  await sql`CREATE SCHEMA osm_next`;
  for (const t of SERVED) {
    await sql.unsafe(
      `CREATE TABLE osm_next.${t} (LIKE osm.${t} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`,
    );
  }
  const piece = (g: string) =>
    `ST_Multi((ST_Dump(ST_Subdivide(ST_CollectionExtract(ST_MakeValid(${g}), 3), ${PIECE_VERTICES}))).geom)`;
  const statements = [
    `INSERT INTO osm_next.meta (source, bounds)
       SELECT $1, NULL`,
    `INSERT INTO osm_next.water (class, name, minzoom, geom)
       SELECT class, name, ${areaZoom('ST_Area(geom)', 6)}, ${piece('geom')}
         FROM osm_raw.water`,
    `INSERT INTO osm_next.waterways (class, name, minzoom, geom)
       SELECT class, name, ${caseOf('class', WATERWAY_MINZOOM, 14)}, geom
         FROM osm_raw.waterways`,
    `INSERT INTO osm_next.landuse (class, name, minzoom, geom)
       SELECT class, name, ${areaZoom('ST_Area(geom)', 8)}, ${piece('geom')}
         FROM osm_raw.landuse`,
    `INSERT INTO osm_next.roads (class, name, ref, z_order, bridge, tunnel, minzoom, geom)
       SELECT class, name, ref, COALESCE(layer, 0), COALESCE(bridge, false), COALESCE(tunnel, false),
              ${caseOf('class', ROAD_MINZOOM, 14)}, geom
         FROM osm_raw.roads`,
    `INSERT INTO osm_next.buildings (minzoom, geom)
       SELECT ${areaZoom('ST_Area(geom)', BUILDING_MINZOOM)}, ST_Multi(ST_CollectionExtract(ST_MakeValid(geom), 3))
         FROM osm_raw.buildings`,
    `INSERT INTO osm_next.housenumbers (housenumber, geom)
       SELECT DISTINCT ON (housenumber, ST_SnapToGrid(geom, 1)) housenumber, geom
         FROM osm_raw.housenumbers`,
    `INSERT INTO osm_next.labels (kind, class, name, rank, minzoom, geom)
       SELECT kind, class, name, COALESCE(population, 0),
              CASE WHEN kind = 'locality' THEN ${caseOf('class', LOCALITY_MINZOOM, 15)}
                   WHEN class = 'station' THEN 13 ELSE ${POI_MINZOOM} END,
              geom
         FROM osm_raw.labels`,
  ];
  await sql.unsafe(statements[0]!, [file]);
  for (const s of statements.slice(1)) await sql.unsafe(s);
  await buildBlocks(url, processes);
  await sql`
    UPDATE osm_next.meta SET bounds = (
      SELECT ST_Envelope(ST_SetSRID(ST_Extent(geom)::geometry, 3857)) FROM (
        SELECT geom FROM osm_next.roads UNION ALL SELECT geom FROM osm_next.buildings
        UNION ALL SELECT geom FROM osm_next.water) g)
     WHERE EXISTS (SELECT 1 FROM osm_next.roads)`;
  for (const band of LOW_BANDS) {
    const tol = unitAt(band.minzoom);
    // Major roads merged per class and name, then simplified: few long lines per tile.
    await sql.unsafe(`
      INSERT INTO osm_next.roads_low (class, name, ref, minzoom, maxzoom, geom)
      SELECT class, name, ref, GREATEST(minzoom, ${band.minzoom}), ${band.maxzoom}, g FROM (
        SELECT class, name, ref, minzoom,
               ST_Simplify((ST_Dump(ST_LineMerge(ST_Collect(geom)))).geom, ${tol}) AS g
          FROM osm_next.roads
         WHERE minzoom <= ${band.maxzoom} AND NOT tunnel
         GROUP BY class, name, ref, minzoom
      ) s
      WHERE g IS NOT NULL AND NOT ST_IsEmpty(g) AND GeometryType(g) = 'LINESTRING'
        AND ST_Length(g) >= ${2 * tol}`);
    for (const [kind, table] of [
      ['water_area', 'water'],
      ['landuse', 'landuse'],
    ] as const) {
      await sql.unsafe(`
        INSERT INTO osm_next.areas_low (kind, class, minzoom, maxzoom, geom)
        SELECT '${kind}', class, GREATEST(minzoom, ${band.minzoom}), ${band.maxzoom}, g FROM (
          SELECT class, minzoom,
                 ST_CollectionExtract(ST_MakeValid(ST_SimplifyPreserveTopology(geom, ${tol})), 3) AS g
            FROM osm_next.${table} WHERE minzoom <= ${band.maxzoom}
        ) s
        WHERE NOT ST_IsEmpty(g)`);
    }
  }
  // The live tables' indexes (same names: index names are per schema).
  const indexes = await sql<{ indexdef: string }[]>`
    SELECT indexdef FROM pg_indexes WHERE schemaname = 'osm'`;
  for (const { indexdef } of indexes) {
    await sql.unsafe(indexdef.replace(' ON osm.', ' ON osm_next.'));
  }
  for (const t of SERVED) await sql.unsafe(`ANALYZE osm_next.${t}`);
  await sql`GRANT USAGE ON SCHEMA osm_next TO weltgewebe_edge`;
  await sql`GRANT SELECT ON ALL TABLES IN SCHEMA osm_next TO weltgewebe_edge`;
}

/**
 * buildings_low: blocks for the zooms before every building is drawn. Buildings are closed per
 * cell (a building belongs to the cell of its centroid), mitred so corners stay square; a block
 * is drawn from the zoom its area earns, like any polygon, and blocks too small for z14 are left
 * to z15. About 80 µs of CPU per building, so the cells are shared out over `processes`
 * connections (Germany's ~40 M buildings: under an hour on one core).
 */
async function buildBlocks(url: string, processes: number) {
  const pool = postgres(url, { max: processes, onnotice: () => {} });
  try {
    await Promise.all(
      Array.from(
        { length: processes },
        (_, shard) => pool`
          INSERT INTO osm_next.buildings_low (minzoom, geom)
          SELECT minzoom, g FROM (
            SELECT ${pool.unsafe(areaZoom('ST_Area(g)', BUILDING_MINZOOM))} AS minzoom, g FROM (
              SELECT (ST_Dump(ST_Buffer(ST_Buffer(ST_Collect(geom), ${BLOCK_CLOSING}, ${CLOSING_STYLE}),
                                        ${-BLOCK_CLOSING}, ${CLOSING_STYLE}))).geom AS g
                FROM (SELECT geom, floor(ST_X(c) / ${BLOCK_CELL})::bigint AS cx,
                             floor(ST_Y(c) / ${BLOCK_CELL})::bigint AS cy
                        FROM (SELECT geom, ST_Centroid(geom) AS c FROM osm_next.buildings) b) k
               WHERE mod(abs(cx * 7919 + cy), ${processes}) = ${shard}
               GROUP BY cx, cy
            ) closed
            WHERE GeometryType(g) = 'POLYGON'
          ) blocks
          WHERE minzoom < ${BUILDING_DETAIL_ZOOM}`,
      ),
    );
  } finally {
    await pool.end({ timeout: 5 });
  }
}

/** Whether an extract has been imported (the `osm` schema has its meta row). */
export async function osmLoaded(url: string): Promise<string | null> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ source: string }[]>`SELECT source FROM osm.meta`;
    return row?.source ?? null;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * `npm run up`: imports the newest extract in `dir` (e.g. .data/osm/hamburg.osm.pbf) unless
 * it is the one already imported and unchanged since; without one, Natural Earth only.
 */
export async function importOsmIfNew(
  url: string,
  dir: string,
  options: ImportOsmOptions = {},
): Promise<OsmImportSummary | null> {
  if (!existsSync(dir)) return null;
  const newest = readdirSync(dir)
    .filter((name) => OSM_FILE.test(name))
    .map((name) => ({ path: join(dir, name), mtime: statSync(join(dir, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime)[0];
  if (!newest) return null;
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [meta] = await sql<{ source: string; at: number }[]>`
      SELECT source, extract(epoch FROM imported_at) * 1000 AS at FROM osm.meta`;
    if (meta && meta.source === newest.path && Number(meta.at) > newest.mtime) {
      options.log?.(`osm: ${newest.path} already imported`);
      return null;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
  return await importOsm(url, newest.path, options);
}
