// No tile over 500 KB: a dense city (20,000 nodes, 3,000 accounts and threads in one district)
// and the real basemap. Low zooms stay small because they read rollups; detail tiles too dense
// for points fall back to grid clusters; the basemap is generalised per zoom band.
// TILE_SIZES=1 prints the measured sizes.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { gunzipSync } from 'node:zlib';
import { createPool } from '@weltgewebe/db/client';
import { createLogger } from '@weltgewebe/kit';
import postgres from 'postgres';
import { rebuildRollups } from '../../../core/src/workers/hex-rollup.ts';
import { loadBasemap } from '../../../db/src/basemap/load-basemap.ts';
import { decodeTile } from '../testing/decode-mvt.ts';
import { type EdgeHarness, startEdgeHarness } from '../testing/edge-harness.ts';
import { MAX_TILE_BYTES, parseSources } from './model.ts';
import { MAX_POINTS_PER_TILE } from './sources/nodes.ts';
import { NO_FILTERS } from './tile-filters.ts';
import type { TileCoord } from './tile-math.ts';
import { createTileService } from './tile-service.ts';
import {
  fetchTile,
  insertAccount,
  insertNodes,
  type LatLon,
  pointsAround,
  tileOf,
} from './tile-testing.ts';

// Real services start in the first hook; polls wait for workers: room on a busy machine.
setDefaultTimeout(120_000);

const NODES = 20_000;
const ACCOUNTS = 3_000;
const TOPICS = ['housing', 'food', 'mobility', 'energy', 'education', 'health', 'nature', 'art'];
const KINDS = ['place', 'resource', 'project', 'event'] as const;

// The middle of the z9 tile over Berlin: the whole district lies in that one tile.
const t9 = tileOf({ lat: 52.52, lon: 13.405 }, 9);
const centre: LatLon = {
  lon: ((t9.x + 0.5) / 512) * 360 - 180,
  lat: (Math.atan(Math.sinh(Math.PI * (1 - (2 * (t9.y + 0.5)) / 512))) * 180) / Math.PI,
};

let h: EdgeHarness;
const sizes: Array<{ what: string; z: number; bytes: number }> = [];

beforeAll(async () => {
  h = await startEdgeHarness();
  await loadBasemap(h.core.db.ownerUrl);
  const owner = await insertAccount(h.core.sql, { name: 'Viel', mapState: 'not_on_map' });
  // Long titles and four topics: the heaviest points the domain allows, nearly.
  const nodes = await insertNodes(
    h.core.sql,
    owner.id,
    pointsAround(centre, 12, NODES).map((p, i) => ({
      ...p,
      kind: KINDS[i % 4],
      title: `Knoten ${i} – ${'Gemeinschaftsgarten und Reparaturwerkstatt '.repeat(3)}`.slice(
        0,
        120,
      ),
      topics: [0, 1, 2, 3].map((k) => TOPICS[(i + k * 2) % TOPICS.length]!),
    })),
  );
  const accounts = pointsAround(centre, 10, ACCOUNTS);
  const accountIds: string[] = [];
  for (let i = 0; i < accounts.length; i += 1_000) {
    const chunk = accounts.slice(i, i + 1_000);
    const rows = await h.core.sql<{ id: string }[]>`
      INSERT INTO accounts (subject, display_name, map_state, public_point)
      SELECT 'dense-' || gen_random_uuid(), 'Garnrolle ' || ord, 'exact', ST_SetSRID(ST_MakePoint(lon, lat), 4326)
        FROM unnest(${chunk.map((p) => p.lon)}::float8[], ${chunk.map((p) => p.lat)}::float8[])
             WITH ORDINALITY AS x(lon, lat, ord)
      RETURNING id`;
    accountIds.push(...rows.map((r) => r.id));
  }
  await h.core.sql`
    INSERT INTO threads (account_id, node_id, kind, spun_at, expires_at)
    SELECT a, n, 'participation', now(), now() + interval '168 hours'
      FROM unnest(${accountIds}::uuid[], ${nodes.slice(0, ACCOUNTS).map((n) => n.id)}::uuid[]) AS x(a, n)`;
  await rebuildRollups(h.core.sql);
  // As autovacuum would after a bulk load: the planner needs to know the tables grew.
  const ownerSql = postgres(h.core.db.ownerUrl, { max: 1, onnotice: () => {} });
  await ownerSql`ANALYZE nodes, accounts, threads, h3_rollups`;
  await ownerSql.end();
  h.edge.tiles.cache.clear();
});
afterAll(async () => {
  if (process.env.TILE_SIZES) {
    console.log(
      sizes
        .map((s) => `${s.what.padEnd(40)} z${s.z}  ${(s.bytes / 1024).toFixed(1)} KB`)
        .join('\n'),
    );
  }
  await h.stop();
});

async function measured(what: string, sources: string, t: TileCoord, query = '') {
  const tile = await fetchTile(h.request, sources, t, query);
  const name = `${what} ${t.z}/${t.x}/${t.y}${query}`;
  sizes.push({ what: name, z: t.z, bytes: tile.bytes });
  // Named, so a failure says which tile grew too big.
  expect({ name, over: Math.max(0, tile.bytes - MAX_TILE_BYTES) }).toEqual({ name, over: 0 });
  return tile;
}

describe('a dense city', () => {
  test('z0–8 read rollups: every source and filter stays small, and the counts are all there', async () => {
    for (let z = 0; z <= 8; z++) {
      const t = tileOf(centre, z);
      const nodes = await measured('nodes', 'nodes', t);
      const total = nodes.features.reduce((s, f) => s + (f.properties.count as number), 0);
      expect(total).toBe(NODES);
      expect(nodes.features.every((f) => f.properties.cluster === true)).toBe(true);
      await measured('nodes topics', 'nodes', t, '?topics=food,art');
      await measured('hex', 'hex', t);
      await measured('accounts', 'accounts', t);
      if (z >= 5) await measured('threads', 'threads', t);
      await measured('composite', 'nodes,accounts,threads,hex,weaveries', t);
    }
  });

  test('detail tiles too dense for points become grid clusters that still count every node', async () => {
    for (let z = 9; z <= 16; z++) {
      const t = tileOf(centre, z);
      const nodes = await measured('nodes', 'nodes', t);
      const points = nodes.features.filter((f) => f.properties.cluster !== true);
      const clusters = nodes.features.filter((f) => f.properties.cluster === true);
      expect(points.length === 0 || clusters.length === 0).toBe(true);
      if (z === 9) {
        expect(clusters.length).toBeGreaterThan(0);
        expect(clusters.reduce((s, f) => s + (f.properties.count as number), 0)).toBe(NODES);
      }
      expect(points.length).toBeLessThanOrEqual(MAX_POINTS_PER_TILE);
      const ids = nodes.features.map((f) => f.id);
      expect(new Set(ids).size).toBe(ids.length);
      await measured('accounts', 'accounts', t);
      await measured('threads', 'threads', t);
    }
    // Close in, the points themselves.
    const close = await fetchTile(h.request, 'nodes', tileOf(centre, 16));
    expect(close.features.some((f) => typeof f.properties.title === 'string')).toBe(true);
  });
});

describe('a composite over its byte budget', () => {
  test('leaves the emptiest cells out first, keeps within the budget and names the layers', async () => {
    const composite = 'weaveries,hex,threads,accounts,nodes';
    const t = tileOf(centre, 8);
    const whole = await fetchTile(h.request, composite, t);
    expect(whole.features.length).toBeGreaterThan(0);
    // A budget the whole composite is twice as large as.
    const budget = Math.floor(whole.bytes / 2);
    const sql = createPool(h.core.db.edgeUrl, { applicationName: 'budget-test', max: 5 });
    try {
      const tiles = createTileService({
        sql,
        cacheBytes: 0,
        log: createLogger('edge', { sink: () => {} }),
        compositeBudgetBytes: budget,
      });
      const answer = await tiles.tile({
        sources: parseSources(composite),
        tile: t,
        filters: NO_FILTERS,
      });
      expect(answer.rawBytes).toBeLessThanOrEqual(budget);
      expect(answer.omitted.length).toBeGreaterThan(0);
      const kept = decodeTile(gunzipSync(answer.gzip), t.z, t.x, t.y);
      for (const layer of answer.omitted) {
        const before = whole.features.filter((f) => f.layer === layer);
        const after = kept.filter((f) => f.layer === layer);
        expect({ layer, fewer: after.length < before.length }).toEqual({ layer, fewer: true });
      }
      // Hex cells: the fullest are kept, the emptiest left out.
      const weight = (f: { properties: Record<string, unknown> }) =>
        ['nodes', 'accounts', 'threads'].reduce((n, k) => n + (Number(f.properties[k]) || 0), 0);
      const keptHex = kept.filter((f) => f.layer === 'hex');
      const keptCells = new Set(keptHex.map((f) => f.properties.cell));
      const leftOut = whole.features.filter(
        (f) => f.layer === 'hex' && !keptCells.has(f.properties.cell),
      );
      if (keptHex.length && leftOut.length) {
        expect(Math.min(...keptHex.map(weight))).toBeGreaterThanOrEqual(
          Math.max(...leftOut.map(weight)),
        );
      }
      // The Knoten are the last to go: still there.
      expect(kept.some((f) => f.layer === 'nodes')).toBe(true);
    } finally {
      await sql.end();
    }
  });

  test('a complete composite has no x-tile-omitted header', async () => {
    const res = await h.request(
      `/tiles/weaveries,hex,nodes/${8}/${tileOf(centre, 8).x}/${tileOf(centre, 8).y}.mvt`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('x-tile-omitted')).toBeNull();
  });
});

describe('basemap', () => {
  test('every tile of z0–3 and the busiest coasts at z4–8 stay under the limit; z0 is small', async () => {
    for (let z = 0; z <= 3; z++) {
      for (let x = 0; x < 2 ** z; x++) {
        for (let y = 0; y < 2 ** z; y++) await measured('basemap', 'basemap', { z, x, y });
      }
    }
    const coasts: LatLon[] = [
      { lat: 62.5, lon: 6.5 }, // Norway's fjords
      { lat: 38.0, lon: 24.5 }, // Aegean islands
      { lat: 35.5, lon: 135.0 }, // Japan
      { lat: -2.0, lon: 118.0 }, // Indonesia
      { lat: 74.0, lon: -95.0 }, // Canadian Arctic Archipelago
      { lat: -45.0, lon: -74.0 }, // Chilean fjords
      { lat: 54.5, lon: 10.0 }, // Danish islands
    ];
    for (const p of coasts) {
      for (let z = 4; z <= 8; z++) await measured('basemap', 'basemap', tileOf(p, z));
    }
    const world = sizes.find((s) => s.what.startsWith('basemap 0/0/0'))!;
    expect(world.bytes).toBeLessThan(100 * 1024);
  });

  test('once loaded, the catalog says the basemap has data', async () => {
    const catalog = (await (await h.request('/tiles/catalog')).json()) as {
      sources: Array<{ id: string; hasData: boolean }>;
    };
    expect(catalog.sources.find((s) => s.id === 'basemap')?.hasData).toBe(true);
  });

  test('land, water, borders and labels with numeric ids, country and place names', async () => {
    const world = await fetchTile(h.request, 'basemap', { z: 0, x: 0, y: 0 });
    expect(world.layers).toEqual(['basemap']);
    const kinds = new Set(world.features.map((f) => f.properties.kind));
    expect([...kinds].sort()).toEqual(['border', 'land', 'water']);
    const germany = await fetchTile(h.request, 'basemap', tileOf({ lat: 52.52, lon: 13.405 }, 4));
    const labels = germany.features.filter(
      (f) => f.properties.kind === 'place' || f.properties.kind === 'country',
    );
    expect(labels.map((f) => f.properties.name)).toEqual(
      expect.arrayContaining(['Berlin', 'Germany']),
    );
    const berlin = labels.find((f) => f.properties.name === 'Berlin')!;
    expect(berlin.properties.population as number).toBeGreaterThan(3_000_000);
    expect(berlin.properties.country).toBe('DE');
    for (const tile of [world, germany]) {
      const ids = tile.features.map((f) => f.id);
      expect(ids.every((id) => Number.isSafeInteger(id))).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  test('a composite of the basemap and the dense city stays under the limit at low zooms', async () => {
    for (let z = 0; z <= 8; z++) {
      await measured('basemap+data', 'basemap,hex,nodes,accounts', tileOf(centre, z));
    }
  });
});
