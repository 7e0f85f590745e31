// Vector tiles through the edge: contents (decoded), freshness after a command, HTTP caching.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { gunzipSync } from 'node:zlib';
import { accessTokenFor } from '@weltgewebe/infra/testing';
import { decodeTile } from '../testing/decode-mvt.ts';
import { type EdgeHarness, startEdgeHarness } from '../testing/edge-harness.ts';
import { tileFraction } from './tile-math.ts';

let h: EdgeHarness;
beforeAll(async () => {
  h = await startEdgeHarness();
  await h.core.relay.start();
});
afterAll(async () => {
  await h.stop();
});

const berlin = { lat: 52.52, lon: 13.405 };
const tileOf = (p: { lat: number; lon: number }, z: number) => {
  const { fx, fy } = tileFraction(p.lat, p.lon, z);
  return { z, x: Math.floor(fx), y: Math.floor(fy) };
};

async function tileFeatures(
  request: EdgeHarness['request'],
  p: { lat: number; lon: number },
  z: number,
  source = 'nodes',
) {
  const t = tileOf(p, z);
  const res = await request(`/tiles/${source}/${t.z}/${t.x}/${t.y}.mvt`, {
    headers: { 'accept-encoding': 'gzip' },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/vnd.mapbox-vector-tile');
  const body = new Uint8Array(await res.arrayBuffer());
  const raw = res.headers.get('content-encoding') === 'gzip' ? gunzipSync(body) : body;
  return decodeTile(raw, t.z, t.x, t.y);
}

describe('nodes tiles', () => {
  test('a node created through the edge is in the tile over it at every zoom, with a numeric id', async () => {
    const weaver = h.client(await accessTokenFor('weaver'));
    // Warm the cache first: the tile must not stay stale after the command.
    expect(
      (await tileFeatures(h.request, berlin, 14)).filter(
        (f) => f.properties.title === 'Repair-Café Mitte',
      ),
    ).toEqual([]);
    const node = await weaver.nodes.create.mutate({
      operationId: crypto.randomUUID(),
      kind: 'project',
      title: 'Repair-Café Mitte',
      topics: ['craft'],
      ...berlin,
    });
    for (const z of [0, 5, 10, 14, 18]) {
      const mine = (await tileFeatures(h.request, berlin, z)).filter(
        (f) => f.properties.id === node.id,
      );
      expect(mine.length).toBe(1);
      expect(mine[0]!.layer).toBe('nodes');
      expect(mine[0]!.properties).toMatchObject({
        kind: 'project',
        title: 'Repair-Café Mitte',
        topics: 'craft',
      });
      expect(typeof mine[0]!.id).toBe('number');
    }
    const [f] = (await tileFeatures(h.request, berlin, 18)).filter(
      (x) => x.properties.id === node.id,
    );
    expect(f!.lonLat[0]).toBeCloseTo(berlin.lon, 4);
    expect(f!.lonLat[1]).toBeCloseTo(berlin.lat, 4);
  });

  test('a second edge instance drops its cached tile when the event arrives over NATS', async () => {
    const other = h.startInstance();
    const spot = { lat: 53.0793, lon: 8.8017 }; // Bremen
    expect((await tileFeatures(other.request, spot, 12)).length).toBe(0); // cached, empty
    const weaver = h.client(await accessTokenFor('weaver'));
    const node = await weaver.nodes.create.mutate({
      operationId: crypto.randomUUID(),
      kind: 'place',
      title: 'Tauschregal',
      ...spot,
    });
    const deadline = Date.now() + 10_000;
    let seen = false;
    while (!seen && Date.now() < deadline) {
      seen = (await tileFeatures(other.request, spot, 12)).some((f) => f.properties.id === node.id);
      if (!seen) await Bun.sleep(100);
    }
    expect(seen).toBe(true);
  });

  test('strong ETag answers 304; gzip only when asked', async () => {
    const t = tileOf(berlin, 10);
    const path = `/tiles/nodes/${t.z}/${t.x}/${t.y}.mvt`;
    const first = await h.request(path, { headers: { 'accept-encoding': 'gzip' } });
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(first.headers.get('content-encoding')).toBe('gzip');
    expect(first.headers.get('cache-control')).toContain('stale-while-revalidate');
    const again = await h.request(path, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    const plain = await h.request(path);
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(new Uint8Array(await plain.arrayBuffer())).toEqual(
      new Uint8Array(gunzipSync(new Uint8Array(await first.arrayBuffer()))),
    );
  });

  test('bad coordinates and unknown sources are JSON errors, never 500', async () => {
    for (const [path, status, code] of [
      ['/tiles/nodes/23/0/0.mvt', 400, 'BAD_TILE_COORDINATES'],
      ['/tiles/nodes/3/8/0.mvt', 400, 'BAD_TILE_COORDINATES'],
      ['/tiles/nodes/3/0/-1.mvt', 400, 'BAD_TILE_COORDINATES'],
      ['/tiles/nodes/a/b/c.mvt', 400, 'BAD_TILE_COORDINATES'],
      ['/tiles/secrets/1/0/0.mvt', 404, 'UNKNOWN_TILE_SOURCE'],
      ['/tiles/nodes,nodes/1/0/0.mvt', 404, 'UNKNOWN_TILE_SOURCE'],
    ] as const) {
      const res = await h.request(path);
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
  });

  test('TileJSON 3.0.0 and the catalog describe the nodes source', async () => {
    const tj = (await (await h.request('/tiles/nodes.json')).json()) as Record<string, unknown>;
    expect(tj.tilejson).toBe('3.0.0');
    expect(tj.tiles).toEqual(['http://localhost:8080/tiles/nodes/{z}/{x}/{y}.mvt']);
    const catalog = (await (await h.request('/tiles/catalog')).json()) as {
      sources: { id: string }[];
    };
    expect(catalog.sources.map((s) => s.id)).toContain('nodes');
  });
});
