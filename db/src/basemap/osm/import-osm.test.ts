// The OpenStreetMap import against a real PostGIS and the real osm2pgsql: a small extract the
// test writes itself lands in the served tables with zooms per class, the edge role may read
// it, a rerun swaps atomically (a reader never sees an empty or half basemap), bad input fails
// with a stable code and leaves the loaded basemap alone.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { freshDatabase, type TestDatabase } from '../../../../infra/src/testing/index.ts';
import { importOsm, OsmImportError, type OsmImportSummary } from './import-osm.ts';
import { TEST_EXTRACT, writeTestExtract } from './test-extract.ts';

setDefaultTimeout(120_000);

let db: TestDatabase;
let dir: string;
let file: string;
let first: OsmImportSummary;
let owner: postgres.Sql;
let edge: postgres.Sql;

beforeAll(async () => {
  db = await freshDatabase();
  dir = mkdtempSync(join(tmpdir(), 'wg-osm-'));
  file = writeTestExtract(join(dir, 'hamburg-test.osm'));
  owner = postgres(db.ownerUrl, { max: 2, onnotice: () => {} });
  edge = postgres(db.edgeUrl, { max: 2, onnotice: () => {} });
  first = await importOsm(db.ownerUrl, file);
});
afterAll(async () => {
  await owner.end();
  await edge.end();
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('OSM basemap import', () => {
  test('streets with names, water, park, building, house number and POI reach the served tables', async () => {
    expect(first.counts.roads).toBeGreaterThanOrEqual(4);
    const roads = await edge<{ class: string; name: string | null; minzoom: number }[]>`
      SELECT class, name, minzoom FROM osm.roads ORDER BY name NULLS LAST, class`;
    expect(roads.map((r) => r.name)).toEqual(
      expect.arrayContaining([TEST_EXTRACT.primary, ...TEST_EXTRACT.streets]),
    );
    const minzoomOf = (cls: string) => roads.find((r) => r.class === cls)?.minzoom;
    expect(minzoomOf('primary')).toBe(8);
    expect(minzoomOf('minor')).toBe(12);
    expect(minzoomOf('path')).toBe(14);
    expect(minzoomOf('rail')).toBe(10);
    const [water] = await edge<{ name: string; valid: boolean }[]>`
      SELECT name, ST_IsValid(geom) AS valid FROM osm.water`;
    expect(water).toEqual({ name: TEST_EXTRACT.river, valid: true });
    expect(
      (await edge`SELECT 1 FROM osm.waterways WHERE name = ${TEST_EXTRACT.river}`).length,
    ).toBe(1);
    expect(
      (await edge`SELECT 1 FROM osm.landuse WHERE class = 'park' AND name = ${TEST_EXTRACT.park}`)
        .length,
    ).toBe(1);
    expect(first.counts.buildings).toBe(1 + TEST_EXTRACT.row.houses);
    // For z13–z14 the row of small houses is one block (each alone would wait for z15); the
    // numbered building stays itself.
    const blocks = await edge<{ west: number; minzoom: number }[]>`
      SELECT ST_XMin(ST_Transform(geom, 4326)) AS west, minzoom FROM osm.buildings_low
       ORDER BY west`;
    expect(blocks).toHaveLength(2);
    expect(blocks[0]!.west).toBeCloseTo(TEST_EXTRACT.row.west, 5);
    expect(blocks[0]!.minzoom).toBeLessThanOrEqual(14);
    const [hn] = await edge<{ housenumber: string }[]>`SELECT housenumber FROM osm.housenumbers`;
    expect(hn?.housenumber).toBe(TEST_EXTRACT.housenumber);
    const [poi] = await edge<{ kind: string; class: string; name: string }[]>`
      SELECT kind, class, name FROM osm.labels`;
    expect(poi).toEqual({ kind: 'poi', class: 'cafe', name: TEST_EXTRACT.poi });
    // Merged, simplified copies for low zooms carry the primary road and the railway, not the
    // residential streets or the footway.
    const low = await edge<{ class: string; name: string | null }[]>`
      SELECT DISTINCT class, name FROM osm.roads_low ORDER BY class`;
    expect([...low]).toEqual([
      { class: 'primary', name: TEST_EXTRACT.primary },
      { class: 'rail', name: null },
    ]);
    const [meta] = await edge<{ source: string; bounded: boolean }[]>`
      SELECT source, bounds IS NOT NULL AS bounded FROM osm.meta`;
    expect(meta).toEqual({ source: file, bounded: true });
    // No staging schema is left behind.
    const schemas = await owner<{ nspname: string }[]>`
      SELECT nspname FROM pg_namespace WHERE nspname LIKE 'osm%' ORDER BY nspname`;
    expect(schemas.map((s) => s.nspname)).toEqual(['osm']);
  });

  test('a re-import swaps atomically: readers see the old or the new basemap, never none', async () => {
    // The second extract renames a street; a reader polls throughout the whole re-import.
    const second = join(dir, 'hamburg-renamed.osm');
    writeFileSync(
      second,
      (await Bun.file(file).text()).replaceAll(TEST_EXTRACT.streets[1], 'Umbenannter Weg'),
    );
    const seen = new Set<string>();
    let reads = 0;
    let polling = true;
    let swapping = false;
    const reader = (async () => {
      while (polling) {
        const rows = await edge<{ name: string }[]>`
          SELECT name FROM osm.roads WHERE name IS NOT NULL ORDER BY name`;
        const names = rows.map((r) => r.name).join('|');
        seen.add(names);
        reads++;
        if (!swapping) await Bun.sleep(5);
      }
    })();
    await importOsm(db.ownerUrl, second, {
      beforeSwap: async () => {
        // A read during the swap itself blocks briefly and then sees the new tables.
        swapping = true;
      },
    });
    await Bun.sleep(50);
    polling = false;
    await reader;
    const old = [TEST_EXTRACT.primary, ...TEST_EXTRACT.streets].sort().join('|');
    const renamed = [TEST_EXTRACT.primary, TEST_EXTRACT.streets[0], 'Umbenannter Weg']
      .sort()
      .join('|');
    expect(reads).toBeGreaterThan(3);
    expect([...seen].every((s) => s === old || s === renamed)).toBe(true);
    expect(seen.has(renamed)).toBe(true);
  });

  test('a missing or broken file fails with a stable code and keeps the loaded basemap', async () => {
    const before = await edge`SELECT name FROM osm.roads WHERE name IS NOT NULL ORDER BY name`;
    await expect(importOsm(db.ownerUrl, join(dir, 'nope.osm.pbf'))).rejects.toMatchObject({
      code: 'OSM_FILE_MISSING',
    });
    const broken = join(dir, 'broken.osm');
    writeFileSync(broken, '<osm><node id="1" lat="x"');
    const error = await importOsm(db.ownerUrl, broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OsmImportError);
    expect((error as OsmImportError).code).toBe('OSM2PGSQL_FAILED');
    const after = await edge`SELECT name FROM osm.roads WHERE name IS NOT NULL ORDER BY name`;
    expect(after).toEqual(before);
    const schemas = await owner<{ nspname: string }[]>`
      SELECT nspname FROM pg_namespace WHERE nspname LIKE 'osm%'`;
    expect(schemas.map((s) => s.nspname)).toEqual(['osm']);
  });
});
