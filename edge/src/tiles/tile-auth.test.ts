// AUTH_REQUIRED_FOR_READ=true: tiles, TileJSON and the catalog need a valid token, and tiles are
// never stored in shared caches.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { accessTokenFor } from '@weltgewebe/infra/testing';
import { type EdgeHarness, startEdgeHarness } from '../testing/edge-harness.ts';

// Real services start in the first hook; polls wait for workers: room on a busy machine.
setDefaultTimeout(60_000);

let h: EdgeHarness;
beforeAll(async () => {
  h = await startEdgeHarness({ authRequiredForRead: true });
});
afterAll(async () => {
  await h.stop();
});

test('without a valid token every source, composite, TileJSON and the catalog answers 401 JSON', async () => {
  const token = await accessTokenFor('reader');
  for (const path of [
    '/tiles/nodes/5/17/10.mvt',
    '/tiles/accounts/12/2200/1343.mvt',
    '/tiles/basemap,hex/0/0/0.mvt',
    '/tiles/nodes.json',
    '/tiles/nodes,hex.json',
    '/tiles/catalog',
  ]) {
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Bearer not-a-token' },
      { authorization: `Bearer ${token.slice(0, -4)}AAAA` },
    ]) {
      const res = await h.request(path, { headers });
      expect(res.status).toBe(401);
      const body = (await res.json()) as { error: { code: string } };
      expect(body.error.code).toBe('UNAUTHORIZED');
    }
    const ok = await h.request(path, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    if (path.endsWith('.mvt')) {
      expect(ok.headers.get('content-type')).toBe('application/vnd.mapbox-vector-tile');
      // Signed-in content must not be served to others by a CDN or proxy.
      expect(ok.headers.get('cache-control')).toStartWith('private');
    }
  }
});
