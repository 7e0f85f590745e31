// AUTH_REQUIRED_FOR_READ=true at the edge: every anonymous read (tRPC queries, vector tiles,
// TileJSON, catalog) is 401 UNAUTHORIZED, one with a bad token 401 INVALID_TOKEN, the same
// reads with a good token (header or the web's cookie) work.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { accessTokenFor } from '@weltgewebe/infra/testing';
import { type EdgeHarness, startEdgeHarness } from '../testing/edge-harness.ts';

let h: EdgeHarness;
let nodeId: string;
let weaveryId: string;
beforeAll(async () => {
  h = await startEdgeHarness({ authRequiredForRead: true });
  const admin = h.client(await accessTokenFor('admin'));
  nodeId = (
    await admin.nodes.create.mutate({
      operationId: crypto.randomUUID(),
      kind: 'place',
      title: 'Nur für Angemeldete',
      lat: 50.94,
      lon: 6.96,
    })
  ).id;
  weaveryId = (
    await admin.weaveries.create.mutate({
      name: 'Ortsweberei Köln',
      slug: 'koeln',
      area: {
        type: 'Polygon',
        coordinates: [
          [
            [6.9, 50.9],
            [7.0, 50.9],
            [7.0, 51.0],
            [6.9, 51.0],
            [6.9, 50.9],
          ],
        ],
      },
    })
  ).id;
}, 60_000);
afterAll(async () => {
  await h.stop();
});

const query = (path: string, input?: unknown) =>
  `/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`;

/** The zoom-12 tile that holds the node (lat 50.94, lon 6.96). */
const z12 = (() => {
  const n = 2 ** 12;
  const lat = (50.94 * Math.PI) / 180;
  const x = Math.floor(((6.96 + 180) / 360) * n);
  const y = Math.floor(((1 - Math.log(Math.tan(lat) + 1 / Math.cos(lat)) / Math.PI) / 2) * n);
  return `/tiles/nodes/12/${x}/${y}.mvt`;
})();

/** Every read the map makes, as URLs. */
const reads = () => ({
  'nodes.inBBox': query('nodes.inBBox', { west: 6.9, south: 50.9, east: 7.0, north: 51.0 }),
  'nodes.byId': query('nodes.byId', { id: nodeId }),
  'weaveries.list': query('weaveries.list'),
  'weaveries.byId': query('weaveries.byId', { id: weaveryId }),
  'weaveries.stats': query('weaveries.stats', { id: weaveryId }),
  'nodes tile': z12,
  'nodes TileJSON': '/tiles/nodes.json',
  'tile catalog': '/tiles/catalog',
});

async function statuses(headers: Record<string, string>) {
  const out: Record<string, { status: number; code: string | null }> = {};
  for (const [name, path] of Object.entries(reads())) {
    const res = await h.request(path, { headers });
    const text = await res.text();
    let code: string | null = null;
    if (res.status >= 400) {
      const body = JSON.parse(text) as {
        error: { code?: unknown; data?: { domainCode?: string } };
      };
      code = body.error.data?.domainCode ?? String(body.error.code);
    }
    out[name] = { status: res.status, code };
  }
  return out;
}

describe('AUTH_REQUIRED_FOR_READ=true at the edge', () => {
  test('anonymous reads are 401 UNAUTHORIZED, queries and tiles alike', async () => {
    const results = await statuses({});
    expect(results).toEqual(
      Object.fromEntries(
        Object.keys(reads()).map((n) => [n, { status: 401, code: 'UNAUTHORIZED' }]),
      ),
    );
    const res = await h.request(
      query('nodes.inBBox', { west: 6.9, south: 50.9, east: 7, north: 51 }),
    );
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      'Zum Lesen ist eine Anmeldung nötig.',
    );
  });

  test('a token that fails verification is 401 INVALID_TOKEN, queries and tiles alike', async () => {
    const token = await accessTokenFor('reader');
    const invalid = Object.fromEntries(
      Object.keys(reads()).map((n) => [n, { status: 401, code: 'INVALID_TOKEN' }]),
    );
    const forged = `${token.slice(0, -4)}AAAA`;
    expect(await statuses({ authorization: `Bearer ${forged}` })).toEqual(invalid);
    expect(await statuses({ cookie: `wg_at=${forged}` })).toEqual(invalid);
    expect(await statuses({ authorization: 'Bearer not-a-token' })).toEqual(invalid);
  });

  test('the same reads work with a token as header and as the wg_at cookie', async () => {
    const token = await accessTokenFor('reader');
    const ok = Object.fromEntries(
      Object.keys(reads()).map((n) => [n, { status: 200, code: null }]),
    );
    expect(await statuses({ authorization: `Bearer ${token}` })).toEqual(ok);
    expect(await statuses({ cookie: `wg_at=${token}` })).toEqual(ok);

    const tile = await h.request(z12, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(tile.headers.get('content-type')).toContain('application/vnd.mapbox-vector-tile');
    expect((await tile.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });

  test('a signed-in read through the typed client sees the node', async () => {
    const reader = h.client(await accessTokenFor('reader'));
    const node = await reader.nodes.byId.query({ id: nodeId });
    expect(node.title).toBe('Nur für Angemeldete');
  });
});
