// Streets on the map: a small OSM extract written by the test, imported with the real
// osm2pgsql, then the edge's basemap tiles decoded as a map client does. At z15 over the known
// point a person sees the named streets, the river, the park and the building; house numbers
// from z17; at z14 small houses closed into blocks, at z15 each; at z11 only the major road
// (per-zoom selection); TileJSON credits OpenStreetMap.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importOsm } from '../../../db/src/basemap/osm/import-osm.ts';
import { TEST_EXTRACT, writeTestExtract } from '../../../db/src/basemap/osm/test-extract.ts';
import { type EdgeHarness, startEdgeHarness } from '../testing/edge-harness.ts';
import { MAX_TILE_BYTES } from './model.ts';
import { fetchTile, tileOf } from './tile-testing.ts';

setDefaultTimeout(120_000);

let h: EdgeHarness;
let dir: string;
beforeAll(async () => {
  h = await startEdgeHarness();
  dir = mkdtempSync(join(tmpdir(), 'wg-osm-edge-'));
  await importOsm(h.core.db.ownerUrl, writeTestExtract(join(dir, 'hamburg-test.osm')));
});
afterAll(async () => {
  await h?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const center = TEST_EXTRACT.center;
const ofKind = (features: Awaited<ReturnType<typeof fetchTile>>['features'], kind: string) =>
  features.filter((f) => f.properties.kind === kind);

describe('OpenStreetMap basemap tiles', () => {
  test('z15 over the point: named streets, the river, water, the park and the building', async () => {
    const tile = await fetchTile(h.request, 'basemap', tileOf(center, 15));
    expect(tile.layers).toEqual(['basemap']);
    expect(tile.bytes).toBeLessThan(MAX_TILE_BYTES);
    const roads = ofKind(tile.features, 'road');
    const names = new Set(roads.map((f) => f.properties.name));
    for (const street of [...TEST_EXTRACT.streets, TEST_EXTRACT.primary]) {
      expect(names.has(street)).toBe(true);
    }
    for (const f of roads) expect(f.geometry.type).toMatch(/LineString/);
    const primary = roads.find((f) => f.properties.name === TEST_EXTRACT.primary)!;
    expect(primary.properties).toMatchObject({ class: 'primary', ref: 'B 4' });
    expect(roads.some((f) => f.properties.class === 'path')).toBe(true);
    expect(roads.some((f) => f.properties.class === 'rail')).toBe(true);

    const water = ofKind(tile.features, 'water_area');
    expect(water.length).toBeGreaterThan(0);
    expect(water[0]!.geometry.type).toMatch(/Polygon/);
    const river = ofKind(tile.features, 'waterway');
    expect(river.map((f) => f.properties.name)).toEqual([TEST_EXTRACT.river]);
    expect(ofKind(tile.features, 'landuse').map((f) => f.properties.class)).toEqual(['park']);
    const buildings = ofKind(tile.features, 'building');
    expect(buildings.length).toBe(1);
    expect(buildings[0]!.geometry.type).toMatch(/Polygon/);
    // The building sits north-east of the primary road, around the point.
    const ring = (buildings[0]!.geometry.coordinates as number[][][])[0]!;
    const lon = ring.reduce((s, p) => s + p[0]!, 0) / ring.length;
    expect(Math.abs(lon - center.lon)).toBeLessThan(0.001);
    // POIs (the café, the park's label) from z15; house numbers not yet.
    expect(
      ofKind(tile.features, 'poi')
        .map((f) => f.properties.name)
        .sort(),
    ).toEqual([TEST_EXTRACT.poi, TEST_EXTRACT.park].sort());
    expect(ofKind(tile.features, 'housenumber')).toEqual([]);
  });

  test('z14 draws a row of small houses as one block, z15 each house', async () => {
    const row = TEST_EXTRACT.row;
    const inRow = (features: Awaited<ReturnType<typeof fetchTile>>['features']) =>
      ofKind(features, 'building').filter((f) => {
        const ring = (f.geometry.coordinates as number[][][])[0]!;
        const lon = ring.reduce((s, p) => s + p[0]!, 0) / ring.length;
        return lon > row.west - 0.0001 && lon < row.west + row.houses * (row.width + row.gap);
      });
    const z14 = await fetchTile(h.request, 'basemap', tileOf(center, 14));
    const blocks = inRow(z14.features);
    expect(blocks).toHaveLength(1);
    const ring = (blocks[0]!.geometry.coordinates as number[][][])[0]!;
    const span = Math.max(...ring.map((p) => p[0]!)) - Math.min(...ring.map((p) => p[0]!));
    expect(span).toBeCloseTo(row.houses * (row.width + row.gap) - row.gap, 4);
    // The numbered building is drawn at z14 too.
    expect(ofKind(z14.features, 'building')).toHaveLength(2);
    const z15 = await fetchTile(
      h.request,
      'basemap',
      tileOf({ lat: row.south, lon: row.west }, 15),
    );
    expect(inRow(z15.features)).toHaveLength(row.houses);
  });

  test('house numbers from z17', async () => {
    const tile = await fetchTile(h.request, 'basemap', tileOf(TEST_EXTRACT.house, 17));
    const numbers = ofKind(tile.features, 'housenumber').map((f) => f.properties.housenumber);
    expect(numbers).toEqual([TEST_EXTRACT.housenumber]);
  });

  test('per-zoom selection: at z11 the primary road and rail, no residential streets or buildings', async () => {
    const tile = await fetchTile(h.request, 'basemap', tileOf(center, 11));
    const roads = ofKind(tile.features, 'road');
    expect(roads.map((f) => f.properties.class).sort()).toEqual(['primary', 'rail']);
    expect(ofKind(tile.features, 'building')).toEqual([]);
    expect(ofKind(tile.features, 'poi')).toEqual([]);
    const z4 = await fetchTile(h.request, 'basemap', tileOf(center, 4));
    expect(ofKind(z4.features, 'road')).toEqual([]);
  });

  test('TileJSON credits OpenStreetMap and describes the OSM fields', async () => {
    const tj = (await (await h.request('/tiles/basemap.json')).json()) as {
      attribution: string;
      vector_layers: Array<{ fields: Record<string, string> }>;
    };
    expect(tj.attribution).toContain('© OpenStreetMap contributors');
    expect(Object.keys(tj.vector_layers[0]!.fields)).toEqual(
      expect.arrayContaining(['kind', 'name', 'class', 'ref', 'housenumber']),
    );
  });
});
