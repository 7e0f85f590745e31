// The basemap loader against a real PostGIS: valid shapes per zoom band, land and water on the
// right side of the antimeridian and at the poles, labels, idempotence, the edge may read it.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import postgres from 'postgres';
import { freshDatabase, type TestDatabase } from '../../../infra/src/testing/index.ts';
import { BASEMAP_BANDS, type BasemapSummary, loadBasemap, placeMinZoom } from './load-basemap.ts';

// Real services start in the first hook; polls wait for workers: room on a busy machine.
setDefaultTimeout(120_000);

let db: TestDatabase;
let sql: postgres.Sql;
let first: BasemapSummary;
beforeAll(async () => {
  db = await freshDatabase();
  first = await loadBasemap(db.ownerUrl);
  sql = postgres(db.ownerUrl, { max: 2, onnotice: () => {} });
});
afterAll(async () => {
  await sql.end();
  await db.drop();
});

/** What covers a WGS84 point at a zoom: 'land', 'water', both or neither. */
async function coverAt(lon: number, lat: number, z: number): Promise<string[]> {
  const rows = await sql<{ kind: string }[]>`
    SELECT DISTINCT kind FROM basemap_shapes
     WHERE kind IN ('land', 'water') AND minzoom <= ${z} AND maxzoom >= ${z}
       AND ST_Intersects(geom, ST_Transform(ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326), 3857))
     ORDER BY kind`;
  return rows.map((r) => r.kind);
}

describe('basemap loader', () => {
  test('loads land, water and borders for every zoom band, all valid and small pieces', async () => {
    expect(first.loaded).toBe(true);
    const rows = await sql<
      { kind: string; minzoom: number; n: number; invalid: number; most: number }[]
    >`
      SELECT kind, minzoom, count(*)::int AS n,
             count(*) FILTER (WHERE NOT ST_IsValid(geom))::int AS invalid,
             max(ST_NPoints(geom))::int AS most
        FROM basemap_shapes GROUP BY kind, minzoom ORDER BY minzoom, kind`;
    for (const band of BASEMAP_BANDS) {
      for (const kind of ['border', 'land', 'water']) {
        const r = rows.find((x) => x.kind === kind && x.minzoom === band.minzoom);
        expect(r?.n ?? 0).toBeGreaterThan(0);
        expect(r!.invalid).toBe(0);
        expect(r!.most).toBeLessThanOrEqual(256);
      }
    }
    // Coarser bands carry fewer vertices.
    const points = await sql<{ minzoom: number; pts: number }[]>`
      SELECT minzoom, sum(ST_NPoints(geom))::int AS pts FROM basemap_shapes
       WHERE kind = 'land' GROUP BY minzoom ORDER BY minzoom`;
    for (let i = 1; i < points.length; i++) {
      expect(points[i]!.pts).toBeGreaterThan(points[i - 1]!.pts);
    }
  });

  test('land and sea are where they belong, across the antimeridian and near the poles', async () => {
    for (const z of [1, 4, 10]) {
      expect(await coverAt(10.0, 51.0, z)).toEqual(['land']); // Germany
      expect(await coverAt(-30.0, 40.0, z)).toEqual(['water']); // Atlantic
      expect(await coverAt(-150.0, 0.0, z)).toEqual(['water']); // Pacific
      expect(await coverAt(0.0, -82.0, z)).toEqual(['land']); // Antarctica, not a hole
      expect(await coverAt(0.0, -60.0, z)).toEqual(['water']); // Southern Ocean
      expect(await coverAt(170.0, 66.5, z)).toEqual(['land']); // Chukotka west of 180°
      expect(await coverAt(-172.0, 65.8, z)).toEqual(['land']); // Chukotka east of 180°
      expect(await coverAt(-20.0, 66.5, z)).toEqual(['water']); // Denmark Strait: no band
      expect(await coverAt(-120.0, 68.5, z)).toEqual(['land']); // Canada at Russia's latitude
      expect(await coverAt(-40.0, 68.0, z)).toEqual(['land']); // Greenland
    }
    // Nothing reaches beyond the Web Mercator world.
    const [extent] = await sql<{ xmin: number; xmax: number; ymin: number; ymax: number }[]>`
      SELECT ST_XMin(e) AS xmin, ST_XMax(e) AS xmax, ST_YMin(e) AS ymin, ST_YMax(e) AS ymax
        FROM (SELECT ST_Extent(geom)::geometry AS e FROM basemap_shapes) s`;
    const world = 20037508.35;
    for (const v of Object.values(extent!)) expect(Math.abs(v)).toBeLessThanOrEqual(world);
  });

  test('place labels by population with German names, country labels, numeric ids unique across tables', async () => {
    const labels = await sql<{ kind: string; name: string; minzoom: number; population: number }[]>`
      SELECT kind, name, minzoom, population FROM basemap_places
       WHERE (kind = 'place' AND name IN ('Berlin', 'München', 'Wien') AND population > 1000000)
          OR (kind = 'country' AND name IN ('Germany', 'Russia', 'Fiji'))
       ORDER BY kind, name`;
    expect(labels.map((l) => `${l.kind}:${l.name}`)).toEqual([
      'country:Fiji',
      'country:Germany',
      'country:Russia',
      'place:Berlin',
      'place:München',
      'place:Wien',
    ]);
    const berlin = labels.find((l) => l.name === 'Berlin')!;
    expect(berlin.minzoom).toBe(placeMinZoom(berlin.population));
    expect(placeMinZoom(9_000_000)).toBe(2);
    expect(placeMinZoom(1_200)).toBe(12);
    const [ids] = await sql<{ shapes: number; clash: number }[]>`
      SELECT (SELECT count(*) FROM basemap_shapes)::int AS shapes,
             (SELECT count(*) FROM basemap_shapes s JOIN basemap_places p ON p.id = s.id)::int AS clash`;
    expect(ids!.shapes).toBe(first.shapes);
    expect(ids!.clash).toBe(0);
    expect(first.places).toBeGreaterThan(100_000);
  });

  test('a second load with the same data does nothing; the edge role may read the tables', async () => {
    const again = await loadBasemap(db.ownerUrl);
    expect(again).toEqual({ ...first, loaded: false });
    const edge = postgres(db.edgeUrl, { max: 1, onnotice: () => {} });
    try {
      const [n] = await edge<{ n: number }[]>`
        SELECT (SELECT count(*) FROM basemap_shapes)::int + (SELECT count(*) FROM basemap_places)::int AS n`;
      expect(n!.n).toBe(first.shapes + first.places);
    } finally {
      await edge.end();
    }
  });
});
