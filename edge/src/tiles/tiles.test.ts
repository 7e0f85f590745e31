// Vector tiles through the edge, decoded as a map client decodes them: what each source shows
// (and never shows), filters, composites, errors, HTTP caching, TileJSON and the catalog.
// Data is written straight into the test database; rollups are rebuilt from the tables.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createPool } from '@weltgewebe/db/client';
import { cellToLatLng, cellToParent, getResolution, latLngToCell } from 'h3-js';
import postgres from 'postgres';
import { rebuildRollups } from '../../../core/src/workers/hex-rollup.ts';
import { loadEdgeEnv } from '../env.ts';
import type { DecodedFeature } from '../testing/decode-mvt.ts';
import { type EdgeHarness, startEdgeHarness } from '../testing/edge-harness.ts';
import { rollupLevel } from './sources/rollup-cells.ts';
import {
  featuresAt,
  fetchTile,
  insertAccount,
  insertNodes,
  insertThread,
  type LatLon,
  tileOf,
  tilePath,
} from './tile-testing.ts';

// Real services start in the first hook; polls wait for workers: room on a busy machine.
setDefaultTimeout(60_000);

let h: EdgeHarness;
let owner: string;
beforeAll(async () => {
  h = await startEdgeHarness();
  owner = (await insertAccount(h.core.sql, { name: 'Testerin', mapState: 'not_on_map' })).id;
});
afterAll(async () => {
  await h.stop();
});

/** After writing straight into the tables (no events): rollups and caches from scratch. */
async function tablesChanged() {
  await rebuildRollups(h.core.sql);
  h.edge.tiles.cache.clear();
}

const hexOf = (cell: bigint | string) => (typeof cell === 'bigint' ? cell.toString(16) : cell);
const near = (a: [number, number], b: LatLon, tol: number) =>
  Math.abs(a[0] - b.lon) <= tol && Math.abs(a[1] - b.lat) <= tol;

type Counts = { count: number; place: number; resource: number; project: number; event: number };

/** Live node counts per shown cell, from the nodes table and h3-js (an independent oracle). */
async function expectedNodeClusters(
  z: number,
  filter: (n: { kind: string; topics: string[] }) => boolean = () => true,
): Promise<Map<string, Counts>> {
  const level = rollupLevel(z)!;
  const rows = await h.core.sql<{ kind: string; topics: string[]; lat: number; lon: number }[]>`
    SELECT kind, topics, ST_Y(location) AS lat, ST_X(location) AS lon FROM nodes
     WHERE removed_at IS NULL AND hidden_at IS NULL`;
  const out = new Map<string, Counts>();
  for (const n of rows.filter(filter)) {
    const cell = cellToParent(latLngToCell(n.lat, n.lon, level.resolution), level.shown);
    const c = out.get(cell) ?? { count: 0, place: 0, resource: 0, project: 0, event: 0 };
    c.count++;
    c[n.kind as 'place']++;
    out.set(cell, c);
  }
  return out;
}

describe('nodes', () => {
  const leipzig = { lat: 51.3397, lon: 12.3731 };
  let nodes: Array<{ id: string; seq: number }>;

  beforeAll(async () => {
    nodes = await insertNodes(h.core.sql, owner, [
      { ...leipzig, kind: 'place', title: 'Nachbarschaftsgarten', topics: ['nature', 'food'] },
      { lat: 51.3401, lon: 12.3745, kind: 'place', title: 'Leihladen' },
      { lat: 51.3388, lon: 12.3702, kind: 'place', title: 'Werkstatt' },
      { lat: 51.3412, lon: 12.3761, kind: 'event', title: 'Tauschbörse' },
      { lat: 51.3209, lon: 12.4011, kind: 'project', title: 'Solardach' },
    ]);
    await tablesChanged();
  });

  test('from z9 on: one point per node with id, kind, title, topics and the seq as feature id', async () => {
    for (const z of [9, 12, 15, 18]) {
      const mine = (await featuresAt(h.request, 'nodes', leipzig, z)).filter(
        (f) => f.properties.id === nodes[0]!.id,
      );
      expect(mine.length).toBe(1);
      expect(mine[0]!.layer).toBe('nodes');
      expect(mine[0]!.id).toBe(nodes[0]!.seq);
      expect(mine[0]!.properties).toEqual({
        id: nodes[0]!.id,
        kind: 'place',
        title: 'Nachbarschaftsgarten',
        topics: 'nature,food',
      });
    }
    const [f] = (await featuresAt(h.request, 'nodes', leipzig, 18)).filter(
      (x) => x.properties.id === nodes[0]!.id,
    );
    expect(near(f!.lonLat, leipzig, 1e-5)).toBe(true);
  });

  test('z0–8 are clusters from the rollups: one per H3 cell, counts by kind, numeric ids', async () => {
    for (let z = 0; z <= 8; z++) {
      const level = rollupLevel(z)!;
      const expected = await expectedNodeClusters(z);
      const features = await featuresAt(h.request, 'nodes', leipzig, z);
      expect(features.length).toBeGreaterThan(0);
      const ids = new Set<number>();
      for (const f of features) {
        expect(f.properties.cluster).toBe(true);
        expect(f.properties.resolution).toBe(level.shown);
        const cell = String(f.properties.cell);
        expect(getResolution(cell)).toBe(level.shown);
        const { cell: _c, cluster: _k, resolution: _r, ...counts } = f.properties;
        expect(counts).toEqual(expected.get(cell) as unknown as Record<string, unknown>);
        expect(Number.isSafeInteger(f.id)).toBe(true);
        expect(f.id!).toBeGreaterThanOrEqual(2 ** 52);
        ids.add(f.id!);
        if (level.shown === level.resolution) {
          const [lat, lon] = cellToLatLng(cell);
          const tolerance = { 3: 0.06, 5: 0.01, 7: 0.0015 }[level.resolution];
          expect(near(f.lonLat, { lat, lon }, tolerance)).toBe(true);
        }
      }
      expect(ids.size).toBe(features.length);
      const here = cellToParent(
        latLngToCell(leipzig.lat, leipzig.lon, level.resolution),
        level.shown,
      );
      expect(features.map((f) => f.properties.cell)).toContain(here);
    }
  });

  test('low zooms read the rollups, not the points: a node the worker has not counted yet is only on detail zooms', async () => {
    const at = { lat: 51.3405, lon: 12.3725 };
    const cell = hexOf(latLngToCell(at.lat, at.lon, 5));
    const countAt6 = async () =>
      (await featuresAt(h.request, 'nodes', at, 6)).find((f) => f.properties.cell === cell)
        ?.properties.count;
    const before = await countAt6();
    const [late] = await insertNodes(h.core.sql, owner, [{ ...at, title: 'Nachzügler' }]);
    h.edge.tiles.cache.clear();
    expect(await countAt6()).toBe(before);
    expect((await featuresAt(h.request, 'nodes', at, 14)).map((f) => f.properties.id)).toContain(
      late!.id,
    );
    await tablesChanged();
    expect(await countAt6()).toBe((before as number) + 1);
  });
});

describe('filters', () => {
  const dresden = { lat: 51.0504, lon: 13.7373 };
  let ids: string[];
  beforeAll(async () => {
    ids = (
      await insertNodes(h.core.sql, owner, [
        { ...dresden, kind: 'place', title: 'Tafel', topics: ['food'] },
        { lat: 51.0508, lon: 13.738, kind: 'place', title: 'Nähcafé', topics: ['craft'] },
        { lat: 51.0501, lon: 13.7368, kind: 'event', title: 'Suppenfest', topics: ['food', 'art'] },
        { lat: 51.0511, lon: 13.7377, kind: 'resource', title: 'Lastenrad' },
      ])
    ).map((n) => n.id);
    await tablesChanged();
  });

  const idsAt = async (query: string) =>
    (await featuresAt(h.request, 'nodes', dresden, 13, query))
      .map((f) => f.properties.id as string)
      .filter((id) => ids.includes(id))
      .sort();

  test('kinds and topics select the points', async () => {
    const [tafel, naeh, suppe, rad] = ids as [string, string, string, string];
    expect(await idsAt('')).toEqual([tafel, naeh, suppe, rad].sort());
    expect(await idsAt('?kinds=place')).toEqual([tafel, naeh].sort());
    expect(await idsAt('?topics=food')).toEqual([tafel, suppe].sort());
    expect(await idsAt('?kinds=event&topics=food')).toEqual([suppe]);
    expect(await idsAt('?kinds=place,event&topics=food,craft')).toEqual(
      [tafel, naeh, suppe].sort(),
    );
    expect(await idsAt('?kinds=resource&topics=food')).toEqual([]);
  });

  test('filters count in rollup clusters and hexagons (topics from the nodes of each cell)', async () => {
    for (const [query, keep] of [
      ['?kinds=place', (n: { kind: string }) => n.kind === 'place'],
      [
        '?kinds=event,resource',
        (n: { kind: string }) => n.kind !== 'place' && n.kind !== 'project',
      ],
      ['?topics=food', (n: { topics: string[] }) => n.topics.includes('food')],
      [
        '?kinds=place&topics=food,craft',
        (n: { kind: string; topics: string[] }) =>
          n.kind === 'place' && (n.topics.includes('food') || n.topics.includes('craft')),
      ],
    ] as const) {
      for (const z of [2, 4, 7]) {
        const expected = await expectedNodeClusters(z, keep as never);
        const clusters = await featuresAt(h.request, 'nodes', dresden, z, query);
        expect(clusters.length).toBeGreaterThan(0);
        for (const f of clusters) {
          const { cell: _c, cluster: _k, resolution: _r, ...counts } = f.properties;
          expect(counts).toEqual(expected.get(String(f.properties.cell)) as never);
        }
        const hexes = await featuresAt(h.request, 'hex', dresden, z, query);
        for (const f of hexes) {
          const e = expected.get(String(f.properties.cell))!;
          expect(f.properties.nodes).toBe(e.count);
          expect(f.properties.place).toBe(e.place);
          expect(f.properties.event).toBe(e.event);
        }
        expect(hexes.map((f) => f.properties.cell).sort()).toEqual(
          clusters.map((f) => f.properties.cell).sort(),
        );
      }
    }
  });

  test('the filter is part of the cache key; unknown parameters (cache busters) are not', async () => {
    const t = tileOf(dresden, 13);
    const all = await fetchTile(h.request, 'nodes', t);
    const places = await fetchTile(h.request, 'nodes', t, '?kinds=place');
    expect(places.etag).not.toBe(all.etag);
    expect((await fetchTile(h.request, 'nodes', t)).etag).toBe(all.etag);
    expect((await fetchTile(h.request, 'nodes', t, '?v=42')).etag).toBe(all.etag);
    // Order and repeats do not make a different tile.
    expect((await fetchTile(h.request, 'nodes', t, '?kinds=event,place')).etag).toBe(
      (await fetchTile(h.request, 'nodes', t, '?kinds=place,event,place')).etag,
    );
  });

  test('bad filter values and filters on sources without them are 400 JSON', async () => {
    const t = tileOf(dresden, 13);
    for (const [sources, query] of [
      ['nodes', '?kinds=castle'],
      ['nodes', '?kinds='],
      ['nodes', '?kinds=place,'],
      ['nodes', '?topics=food,weather'],
      ['hex', '?topics='],
      ['accounts', '?kinds=place'],
      ['threads,weaveries', '?topics=food'],
    ] as const) {
      const res = await h.request(tilePath(sources, t, query));
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/json');
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('BAD_TILE_FILTER');
      expect(body.error.message.length).toBeGreaterThan(0);
    }
    // In a composite a filter applies to the sources that know it.
    expect((await h.request(tilePath('nodes,accounts', t, '?kinds=place'))).status).toBe(200);
  });
});

describe('accounts', () => {
  const koeln = { lat: 50.9375, lon: 6.9603 };
  const privateHome = { lat: 50.94, lon: 6.95 };
  const drawnPoint = { lat: 50.9425, lon: 6.96 };
  let exact: { id: string; seq: number };
  let radius: { id: string; seq: number };
  let hiddenId: string;
  let pointlessId: string;

  beforeAll(async () => {
    exact = await insertAccount(h.core.sql, {
      name: 'Erika Exakt',
      publicPoint: koeln,
      privateLocation: koeln,
    });
    radius = await insertAccount(h.core.sql, {
      name: 'Rudi Radius',
      mapState: 'radius',
      radiusM: 1000,
      publicPoint: drawnPoint,
      privateLocation: privateHome,
    });
    hiddenId = (
      await insertAccount(h.core.sql, {
        name: 'Hanna Versteckt',
        mapState: 'not_on_map',
        publicPoint: { lat: 50.9381, lon: 6.9611 },
      })
    ).id;
    pointlessId = (await insertAccount(h.core.sql, { name: 'Paul Punktlos', publicPoint: null }))
      .id;
    await tablesChanged();
  });

  test('a radius account shows at its public point only, never at its private location', async () => {
    for (const z of [10, 12, 14, 16, 18]) {
      const mine = (await featuresAt(h.request, 'accounts', drawnPoint, z)).filter(
        (f) => f.properties.id === radius.id,
      );
      expect(mine.length).toBe(1);
      expect(mine[0]!.id).toBe(radius.seq);
      expect(mine[0]!.properties).toEqual({
        id: radius.id,
        display_name: 'Rudi Radius',
        map_state: 'radius',
        radius_m: 1000,
      });
      expect(near(mine[0]!.lonLat, drawnPoint, 1e-4)).toBe(true);
      expect(near(mine[0]!.lonLat, privateHome, 1e-3)).toBe(false);
    }
    // The tile over the private location (a different one at z16) has nothing of the account.
    const home = tileOf(privateHome, 16);
    expect(home).not.toEqual(tileOf(drawnPoint, 16));
    const atHome = (await fetchTile(h.request, 'accounts', home)).features;
    expect(atHome.filter((f) => f.properties.id === radius.id)).toEqual([]);
    // No feature anywhere near the private location, whoever it belongs to.
    expect(atHome.filter((f) => near(f.lonLat, privateHome, 5e-4))).toEqual([]);
  });

  test('an exact account carries no radius; hidden and point-less accounts are not drawn', async () => {
    const features = await featuresAt(h.request, 'accounts', koeln, 12);
    const mine = features.find((f) => f.properties.id === exact.id)!;
    expect(mine.properties).toEqual({
      id: exact.id,
      display_name: 'Erika Exakt',
      map_state: 'exact',
    });
    expect(mine.id).toBe(exact.seq);
    const ids = features.map((f) => f.properties.id);
    expect(ids).not.toContain(hiddenId);
    expect(ids).not.toContain(pointlessId);
  });

  test('the edge role cannot read private locations at all', async () => {
    const edgeSql = createPool(h.core.db.edgeUrl, { applicationName: 'tiles-test', max: 1 });
    try {
      await expect(edgeSql`SELECT location FROM account_locations LIMIT 1`).rejects.toThrow(
        /permission denied/,
      );
    } finally {
      await edgeSql.end();
    }
  });

  test('low zooms show account clusters with counts only from 5 on, else "<5"', async () => {
    const cellOf = (p: LatLon) => hexOf(latLngToCell(p.lat, p.lon, 5));
    const clusterAt = async (p: LatLon) =>
      (await featuresAt(h.request, 'accounts', p, 6)).find((f) => f.properties.cell === cellOf(p));
    const few = await clusterAt(koeln);
    expect(few!.properties.count_label).toBe('<5');
    expect(few!.properties.count).toBeUndefined();
    expect(few!.properties.cluster).toBe(true);
    // Five more in the same resolution-5 cell.
    for (let i = 0; i < 5; i++) {
      await insertAccount(h.core.sql, {
        name: `Nachbar ${i}`,
        publicPoint: { lat: koeln.lat + i * 0.0004, lon: koeln.lon },
      });
    }
    await tablesChanged();
    const counted = await h.core.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM accounts
       WHERE map_state <> 'not_on_map' AND public_point IS NOT NULL AND h3_r5 = ${String(BigInt(`0x${cellOf(koeln)}`))}`;
    const many = await clusterAt(koeln);
    expect(counted[0]!.n).toBeGreaterThanOrEqual(5);
    expect(many!.properties.count).toBe(counted[0]!.n);
    expect(many!.properties.count_label).toBe(String(counted[0]!.n));
  });
});

describe('threads', () => {
  const from = { lat: 52.379, lon: 9.72 };
  const toA = { lat: 52.38, lon: 9.75 };
  const toB = { lat: 52.385, lon: 9.74 };
  const ids: Record<string, { id: string; seq: number }> = {};
  let nodeA: string;
  let spinnerId: string;

  beforeAll(async () => {
    const spinner = await insertAccount(h.core.sql, { name: 'Spinnerin', publicPoint: from });
    const offMap = await insertAccount(h.core.sql, { name: 'Unsichtbar', mapState: 'not_on_map' });
    const [a, b] = await insertNodes(h.core.sql, owner, [
      { ...toA, title: 'Gemeinschaftsgarten' },
      { ...toB, title: 'Repair-Café', kind: 'project' },
    ]);
    nodeA = a!.id;
    spinnerId = spinner.id;
    ids.fresh = await insertThread(h.core.sql, { accountId: spinner.id, nodeId: a!.id });
    ids.half = await insertThread(h.core.sql, {
      accountId: spinner.id,
      nodeId: b!.id,
      kind: 'knotting',
      ageHours: 84,
    });
    ids.expired = await insertThread(h.core.sql, {
      accountId: spinner.id,
      nodeId: a!.id,
      kind: 'conversation',
      expired: true,
    });
    ids.overdue = await insertThread(h.core.sql, {
      accountId: spinner.id,
      nodeId: b!.id,
      kind: 'conversation',
      ageHours: 170,
    });
    ids.noLine = await insertThread(h.core.sql, { accountId: offMap.id, nodeId: a!.id });
    await tablesChanged();
  });

  test('live threads are lines from the public point to the node with strength 0..1; expired ones are absent', async () => {
    const t = tileOf(from, 12);
    expect(tileOf(toA, 12)).toEqual(t);
    expect(tileOf(toB, 12)).toEqual(t);
    const features = (await fetchTile(h.request, 'threads', t)).features;
    const seqs = Object.fromEntries(Object.entries(ids).map(([k, v]) => [v.seq, k]));
    expect(features.map((f) => seqs[f.id!]).sort()).toEqual(['fresh', 'half']);
    for (const f of features) {
      expect(f.layer).toBe('threads');
      expect(f.geometry.type).toBe('LineString');
      const strength = f.properties.strength as number;
      expect(strength).toBeGreaterThanOrEqual(0);
      expect(strength).toBeLessThanOrEqual(1);
    }
    const fresh = features.find((f) => f.id === ids.fresh!.seq)!;
    const half = features.find((f) => f.id === ids.half!.seq)!;
    expect(fresh.properties.strength).toBeGreaterThan(0.99);
    expect(half.properties.strength as number).toBeCloseTo(0.5, 2);
    expect(fresh.properties.kind).toBe('participation');
    expect(half.properties.kind).toBe('knotting');
    expect(fresh.properties.node_id).toBe(nodeA);
    expect(fresh.properties.account_id).toBe(spinnerId);
    // Below z12 a line carries only kind and strength (two decimals): small tiles.
    const wide = (await fetchTile(h.request, 'threads', tileOf(from, 9))).features;
    expect(wide.find((f) => f.id === ids.fresh!.seq)!.properties).toEqual({
      kind: 'participation',
      strength: 1,
    });
    const line = fresh.geometry.coordinates as [number, number][];
    expect(near(line[0]!, from, 1e-4)).toBe(true);
    expect(near(line[line.length - 1]!, toA, 1e-4)).toBe(true);
  });

  test('a thread that runs out leaves the cached tile without any event', async () => {
    const at = { lat: 52.39, lon: 9.7 };
    const spinner = await insertAccount(h.core.sql, { name: 'Kurzfädig', publicPoint: at });
    const [n] = await insertNodes(h.core.sql, owner, [{ lat: 52.392, lon: 9.705 }]);
    const short = await insertThread(h.core.sql, {
      accountId: spinner.id,
      nodeId: n!.id,
      ageHours: 168 - 1.5 / 3600,
    });
    h.edge.tiles.cache.clear();
    const present = async () =>
      (await featuresAt(h.request, 'threads', at, 14)).some((f) => f.id === short.seq);
    expect(await present()).toBe(true);
    await Bun.sleep(1_600);
    expect(await present()).toBe(false);
  });

  test('threads start at z5 as flows between cells; lower zooms have an empty layer (hex carries the counts)', async () => {
    const res = await fetchTile(h.request, 'threads', tileOf(from, 4));
    expect(res.features).toEqual([]);
    for (const z of [5, 8]) {
      const t = tileOf(from, z);
      const flows = (await fetchTile(h.request, 'threads', t)).features;
      expect(flows.length).toBeGreaterThan(0);
      for (const f of flows) {
        expect(f.properties.flow).toBe(true);
        expect(f.properties.strength as number).toBeGreaterThanOrEqual(0);
        expect(f.properties.strength as number).toBeLessThanOrEqual(1);
        expect(f.properties.node_id).toBeUndefined();
      }
      // Every line the tile covers is counted in one flow (a thread past its time until the
      // sweeper ends it); the expired one and the one without a line are not.
      const [lines] = await h.core.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM threads
         WHERE line IS NOT NULL AND line && ST_Transform(ST_TileEnvelope(${t.z}, ${t.x}, ${t.y}), 4326)`;
      expect(flows.reduce((n, f) => n + (f.properties.count as number), 0)).toBe(lines!.n);
    }
  });
});

describe('weaveries', () => {
  // The middle of the z12 tile over Nürnberg: a 1 km circle lies wholly inside it.
  const t12 = tileOf({ lat: 49.4521, lon: 11.0767 }, 12);
  const centre = {
    lon: ((t12.x + 0.5) / 4096) * 360 - 180,
    lat: (Math.atan(Math.sinh(Math.PI * (1 - (2 * (t12.y + 0.5)) / 4096))) * 180) / Math.PI,
  };
  let weavery: { id: string; seq: number };
  beforeAll(async () => {
    // A circle of 2,000 vertices.
    const [row] = await h.core.sql<{ id: string; seq: string }[]>`
      INSERT INTO weaveries (name, slug, area)
      VALUES ('Ortsweberei Nürnberg', 'nuernberg',
              ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(${centre.lon}, ${centre.lat}), 4326)::geography, 1000, 500)::geometry))
      RETURNING id, seq`;
    weavery = { id: row!.id, seq: Number(row!.seq) };
    await tablesChanged();
  });

  const vertices = (f: DecodedFeature) =>
    (f.geometry.coordinates as number[][][]).reduce((n, ring) => n + ring.length, 0);

  test('areas with name and slug; low zooms are simplified', async () => {
    const low = (await featuresAt(h.request, 'weaveries', centre, 8)).find(
      (f) => f.id === weavery.seq,
    )!;
    expect(low.properties).toEqual({
      id: weavery.id,
      name: 'Ortsweberei Nürnberg',
      slug: 'nuernberg',
    });
    expect(low.geometry.type).toBe('Polygon');
    const high = (await featuresAt(h.request, 'weaveries', centre, 12)).find(
      (f) => f.id === weavery.seq,
    )!;
    expect(vertices(low)).toBeLessThan(40);
    // From z12 the outline is not simplified: many more vertices than at z8.
    expect(vertices(high)).toBeGreaterThan(300);
  });
});

describe('hex', () => {
  const stuttgart = { lat: 48.7758, lon: 9.1829 };
  beforeAll(async () => {
    const [n] = await insertNodes(h.core.sql, owner, [
      { ...stuttgart, kind: 'place' },
      { lat: 48.7761, lon: 9.1833, kind: 'place' },
      { lat: 48.7755, lon: 9.1822, kind: 'event' },
    ]);
    for (let i = 0; i < 6; i++) {
      await insertAccount(h.core.sql, {
        name: `Stuttgarterin ${i}`,
        publicPoint: { lat: stuttgart.lat + 0.0003 * i, lon: stuttgart.lon },
      });
    }
    const spinner = await insertAccount(h.core.sql, {
      name: 'Fadenzieher',
      publicPoint: stuttgart,
    });
    await insertThread(h.core.sql, { accountId: spinner.id, nodeId: n!.id });
    await tablesChanged();
  });

  test('hexagons with counts by kind, threads and accounts (k ≥ 5), up to z8 only', async () => {
    const rows = await h.core.sql<
      {
        cell: string;
        nodes: number;
        place: number;
        event: number;
        accounts: number;
        threads: number;
      }[]
    >`SELECT to_hex(cell) AS cell, nodes, nodes_place AS place, nodes_event AS event, accounts, threads
        FROM h3_rollups WHERE resolution = 7`;
    const byCell = new Map(rows.map((r) => [r.cell, r]));
    const features = await featuresAt(h.request, 'hex', stuttgart, 8);
    const here = features.find(
      (f) => f.properties.cell === hexOf(latLngToCell(stuttgart.lat, stuttgart.lon, 7)),
    )!;
    expect(here.geometry.type).toBe('Polygon');
    expect(here.id!).toBeGreaterThanOrEqual(2 ** 52);
    for (const f of features) {
      const r = byCell.get(String(f.properties.cell))!;
      expect(f.properties.nodes).toBe(r.nodes);
      expect(f.properties.place).toBe(r.place);
      expect(f.properties.event).toBe(r.event);
      expect(f.properties.threads).toBe(r.threads);
      if (r.accounts >= 5) {
        expect(f.properties.accounts).toBe(r.accounts);
        expect(f.properties.accounts_label).toBe(String(r.accounts));
      } else {
        expect(f.properties.accounts).toBeUndefined();
        expect(f.properties.accounts_label).toBe('<5');
      }
    }
    expect(here.properties.nodes).toBe(3);
    expect(here.properties.threads).toBe(1);
    expect(here.properties.accounts as number).toBeGreaterThanOrEqual(5);
    expect((await featuresAt(h.request, 'hex', stuttgart, 9)).length).toBe(0);
  });
});

describe('composites', () => {
  const muenster = { lat: 51.9607, lon: 7.6261 };
  beforeAll(async () => {
    const spinner = await insertAccount(h.core.sql, {
      name: 'Münsteranerin',
      publicPoint: muenster,
    });
    const [n] = await insertNodes(h.core.sql, owner, [{ lat: 51.965, lon: 7.63, title: 'Hof' }]);
    await insertThread(h.core.sql, { accountId: spinner.id, nodeId: n!.id });
    await h.core.sql`INSERT INTO weaveries (name, slug, area)
      VALUES ('Ortsweberei Münster', 'muenster',
              ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(${muenster.lon}, ${muenster.lat}), 4326)::geography, 3000)::geometry))`;
    await tablesChanged();
  });

  test('one tile, one layer per source, each the same as the source alone', async () => {
    const all = ['nodes', 'accounts', 'threads', 'weaveries', 'hex'];
    for (const z of [6, 8]) {
      const t = tileOf(muenster, z);
      const composite = await fetchTile(h.request, all.join(','), t);
      expect(composite.layers).toEqual(all);
      for (const source of all) {
        const alone = await fetchTile(h.request, source, t);
        expect(composite.features.filter((f) => f.layer === source)).toEqual(alone.features);
      }
    }
    // At z12 hex has ended (maxzoom 8): its layer is simply not there.
    const detail = await fetchTile(h.request, 'weaveries,hex,nodes', tileOf(muenster, 12));
    expect(detail.layers).toEqual(['weaveries', 'nodes']);
  });
});

describe('HTTP', () => {
  test('bad coordinates, unknown or repeated sources are JSON errors, never 500', async () => {
    for (const [path, status, code] of [
      ['/tiles/nodes/23/0/0.mvt', 400, 'BAD_TILE_COORDINATES'],
      ['/tiles/nodes/3/8/0.mvt', 400, 'BAD_TILE_COORDINATES'],
      ['/tiles/nodes/3/0/8.mvt', 400, 'BAD_TILE_COORDINATES'],
      ['/tiles/hex/3/0/-1.mvt', 400, 'BAD_TILE_COORDINATES'],
      ['/tiles/accounts/a/b/c.mvt', 400, 'BAD_TILE_COORDINATES'],
      ['/tiles/threads/1/0/0.png', 400, 'BAD_TILE_COORDINATES'],
      ['/tiles/secrets/1/0/0.mvt', 404, 'UNKNOWN_TILE_SOURCE'],
      ['/tiles/nodes,secrets/1/0/0.mvt', 404, 'UNKNOWN_TILE_SOURCE'],
      ['/tiles/nodes,nodes/1/0/0.mvt', 404, 'UNKNOWN_TILE_SOURCE'],
      ['/tiles/constructor/1/0/0.mvt', 404, 'UNKNOWN_TILE_SOURCE'],
      ['/tiles/nodes,/1/0/0.mvt', 404, 'UNKNOWN_TILE_SOURCE'],
    ] as const) {
      const res = await h.request(path, { headers: { 'x-request-id': 'tile-req-0001' } });
      expect(res.status).toBe(status);
      // The id a person can quote is in the body, as in every other edge error.
      expect(await res.json()).toEqual({
        error: { code, message: expect.any(String), requestId: 'tile-req-0001' },
      });
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
    for (const path of ['/tiles/nodes.json?kinds=castle', '/tiles/secrets.json']) {
      const res = await h.request(path);
      const body = (await res.json()) as { error: { requestId: string } };
      expect(body.error.requestId).toBe(res.headers.get('x-request-id')!);
    }
  });

  test('a tile the database cannot render is 500 JSON with the request id, nothing internal', async () => {
    const owner = postgres(h.core.db.ownerUrl, { max: 1, onnotice: () => {} });
    await owner`REVOKE SELECT ON weaveries FROM weltgewebe_edge`;
    try {
      const res = await h.request(tilePath('weaveries', tileOf({ lat: 47.37, lon: 8.54 }, 11)), {
        headers: { 'x-request-id': 'tile-broken-01' },
      });
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({
        error: {
          code: 'INTERNAL',
          message: 'Interner Fehler (Anfrage tile-broken-01).',
          requestId: 'tile-broken-01',
        },
      });
      for (const leak of ['permission', 'weaveries', 'SELECT', 'Postgres']) {
        expect(text).not.toContain(leak);
      }
    } finally {
      await owner`GRANT SELECT ON weaveries TO weltgewebe_edge`;
      await owner.end();
    }
  });

  test('every source: strong ETag, 304 on If-None-Match, gzip only when asked', async () => {
    const t = tileOf({ lat: 51.34, lon: 12.37 }, 8);
    for (const source of ['nodes', 'accounts', 'threads', 'weaveries', 'hex', 'basemap']) {
      const path = tilePath(source, t);
      const first = await h.request(path, { headers: { 'accept-encoding': 'gzip' } });
      const etag = first.headers.get('etag');
      expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      expect(first.headers.get('content-encoding')).toBe('gzip');
      expect(first.headers.get('cache-control')).toBe(
        'public, max-age=5, stale-while-revalidate=60',
      );
      const again = await h.request(path, { headers: { 'if-none-match': etag! } });
      expect(again.status).toBe(304);
      expect(again.headers.get('etag')).toBe(etag);
      const plain = await h.request(path);
      expect(plain.headers.get('content-encoding')).toBeNull();
      expect(new Uint8Array(await plain.arrayBuffer())).toEqual(
        new Uint8Array(Bun.gunzipSync(new Uint8Array(await first.arrayBuffer()))),
      );
    }
  });

  test('/metrics counts each tile answer once as a cache hit or miss, and each render', async () => {
    /** The value of a sample by its name and (part of) its labels. */
    const metric = async (name: string, label = '') => {
      const text = await (await h.request('/metrics')).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const renders = () =>
      metric('weltgewebe_tile_render_seconds_count', 'sources="threads,weaveries"');
    const before = {
      hits: await metric('weltgewebe_tile_cache_hits_total'),
      misses: await metric('weltgewebe_tile_cache_misses_total'),
      renders: await renders(),
    };
    const path = tilePath('threads,weaveries', tileOf({ lat: 46.95, lon: 7.45 }, 10));
    // Three at once: one render that all three share, each a miss (none found it cached).
    const first = await Promise.all([1, 2, 3].map(() => h.request(path)));
    expect(first.map((r) => r.status)).toEqual([200, 200, 200]);
    const etag = first[0]!.headers.get('etag')!;
    expect((await h.request(path)).status).toBe(200);
    expect((await h.request(path, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await h.request(tilePath('secrets', tileOf({ lat: 1, lon: 1 }, 3)))).status).toBe(404);
    expect({
      hits: (await metric('weltgewebe_tile_cache_hits_total')) - before.hits,
      misses: (await metric('weltgewebe_tile_cache_misses_total')) - before.misses,
      renders: (await renders()) - before.renders,
    }).toEqual({ hits: 2, misses: 3, renders: 1 });
  });

  test('TileJSON 3.0.0 per source and for composites; the catalog lists every source', async () => {
    const catalog = (await (await h.request('/tiles/catalog')).json()) as {
      sources: Array<{
        id: string;
        tilejson: string;
        minzoom: number;
        maxzoom: number;
        hasData: boolean;
      }>;
    };
    expect(catalog.sources.map((s) => s.id).sort()).toEqual(
      ['accounts', 'basemap', 'hex', 'nodes', 'threads', 'weaveries'].sort(),
    );
    // No basemap is loaded here: the catalog says so, so a client draws its fallback.
    expect(Object.fromEntries(catalog.sources.map((s) => [s.id, s.hasData]))).toEqual({
      accounts: true,
      basemap: false,
      hex: true,
      nodes: true,
      threads: true,
      weaveries: true,
    });
    for (const s of catalog.sources) {
      const tj = (await (await h.request(s.tilejson)).json()) as {
        tilejson: string;
        tiles: string[];
        minzoom: number;
        maxzoom: number;
        bounds: number[];
        vector_layers: Array<{
          id: string;
          fields: Record<string, string>;
          minzoom: number;
          maxzoom: number;
        }>;
      };
      expect(tj.tilejson).toBe('3.0.0');
      expect(tj.tiles).toEqual([`http://localhost:8080/tiles/${s.id}/{z}/{x}/{y}.mvt`]);
      expect([tj.minzoom, tj.maxzoom]).toEqual([s.minzoom, s.maxzoom]);
      expect(tj.bounds).toEqual([-180, -85.0511, 180, 85.0511]);
      expect(tj.vector_layers.length).toBe(1);
      expect(tj.vector_layers[0]!.id).toBe(s.id);
      expect(Object.keys(tj.vector_layers[0]!.fields).length).toBeGreaterThan(0);
    }
    const hex = (await (await h.request('/tiles/hex.json')).json()) as { maxzoom: number };
    expect(hex.maxzoom).toBe(8);
    const nodes = (await (await h.request('/tiles/nodes.json')).json()) as {
      vector_layers: Array<{ fields: Record<string, string> }>;
    };
    expect(Object.keys(nodes.vector_layers[0]!.fields)).toEqual(
      expect.arrayContaining(['id', 'kind', 'title', 'topics', 'cluster', 'count']),
    );
    const composite = (await (await h.request('/tiles/nodes,hex.json?kinds=place&v=1')).json()) as {
      tiles: string[];
      vector_layers: Array<{ id: string }>;
      minzoom: number;
      maxzoom: number;
    };
    expect(composite.tiles).toEqual([
      'http://localhost:8080/tiles/nodes,hex/{z}/{x}/{y}.mvt?kinds=place',
    ]);
    expect(composite.vector_layers.map((l) => l.id)).toEqual(['nodes', 'hex']);
    expect([composite.minzoom, composite.maxzoom]).toEqual([0, 22]);
    expect((await h.request('/tiles/nodes.json?kinds=castle')).status).toBe(400);
    expect((await h.request('/tiles/secrets.json')).status).toBe(404);
  });
});

describe('TileJSON and the Host header', () => {
  test('tile URLs name the configured public origin, never the host a caller claims', async () => {
    // What Bun.serve builds from a request with `Host: evil.example`.
    const forged = await h.edge.handle(
      new Request('http://evil.example/tiles/nodes,hex.json?kinds=place', {
        headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
      }),
    );
    const body = await forged.text();
    expect(forged.status).toBe(200);
    expect(body).not.toContain('evil.example');
    expect((JSON.parse(body) as { tiles: string[] }).tiles).toEqual([
      'http://localhost:8080/tiles/nodes,hex/{z}/{x}/{y}.mvt?kinds=place',
    ]);
    // An instance behind the real domain names that domain, whatever the request said.
    const site = await h.startInstance({ publicOrigin: 'https://weltgewebe.example' });
    const tj = (await (
      await site.edge.handle(new Request('http://127.0.0.1:3001/tiles/threads.json'))
    ).json()) as { tiles: string[] };
    expect(tj.tiles).toEqual(['https://weltgewebe.example/tiles/threads/{z}/{x}/{y}.mvt']);
  });

  test('PUBLIC_ORIGIN is read as an origin and must be http(s)', () => {
    expect(loadEdgeEnv({}).PUBLIC_ORIGIN).toBe('http://localhost:8080');
    expect(loadEdgeEnv({ PUBLIC_ORIGIN: 'https://weltgewebe.example/' }).PUBLIC_ORIGIN).toBe(
      'https://weltgewebe.example',
    );
    expect(() => loadEdgeEnv({ PUBLIC_ORIGIN: 'javascript:alert(1)' })).toThrow('PUBLIC_ORIGIN');
  });
});

describe('H3 in SQL', () => {
  test('tile_h3_parent matches h3-js and tile_h3_feature_id is unique and double-safe', async () => {
    const points = [
      { lat: 53.55, lon: 9.99 },
      { lat: -33.86, lon: 151.2 },
      { lat: 64.14, lon: -21.94 },
      { lat: -54.8, lon: -68.3 },
      { lat: 0.1, lon: 179.9 },
    ];
    const cells = points.flatMap((p) => [3, 5, 7, 9].map((r) => latLngToCell(p.lat, p.lon, r)));
    const rows = await h.core.sql<{ cell: string; parents: string[]; fid: string }[]>`
      SELECT to_hex(c) AS cell,
             ARRAY(SELECT to_hex(tile_h3_parent(c, p)) FROM generate_series(0, ((c >> 52) & 15)::int) p) AS parents,
             tile_h3_feature_id(c)::text AS fid
        FROM unnest(${cells.map((c) => String(BigInt(`0x${c}`)))}::bigint[]) AS c`;
    const fids = new Set<string>();
    for (const r of rows) {
      const res = getResolution(r.cell);
      expect(r.parents).toEqual(Array.from({ length: res + 1 }, (_, p) => cellToParent(r.cell, p)));
      const fid = BigInt(r.fid);
      expect(fid < 2n ** 53n && fid >= 2n ** 52n).toBe(true);
      fids.add(r.fid);
    }
    expect(fids.size).toBe(cells.length);
    // Different cells at different resolutions never share an id either (parents included).
    const parentIds = await h.core.sql<{ n: number; d: number }[]>`
      SELECT count(*)::int AS n, count(DISTINCT tile_h3_feature_id(tile_h3_parent(c, p)))::int AS d
        FROM unnest(${cells.map((c) => String(BigInt(`0x${c}`)))}::bigint[]) AS c,
             generate_series(0, 3) p`;
    const distinctCells = new Set(
      cells.flatMap((c) => [0, 1, 2, 3].map((p) => cellToParent(c, p))),
    );
    expect(parentIds[0]!.d).toBe(distinctCells.size);
  });
});
