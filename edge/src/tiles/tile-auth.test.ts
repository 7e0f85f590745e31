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
  // No token asks for a sign-in; a token that fails verification says so, as every other
  // edge endpoint does, so the web renews it instead of signing in anew.
  const refusals: Array<[Record<string, string>, string]> = [
    [{}, 'UNAUTHORIZED'],
    [{ authorization: 'Bearer not-a-token' }, 'INVALID_TOKEN'],
    [{ authorization: `Bearer ${token.slice(0, -4)}AAAA` }, 'INVALID_TOKEN'],
    [{ cookie: `wg_at=${token.slice(0, -4)}AAAA` }, 'INVALID_TOKEN'],
  ];
  for (const path of [
    '/tiles/nodes/5/17/10.mvt',
    '/tiles/accounts/12/2200/1343.mvt',
    '/tiles/basemap,hex/0/0/0.mvt',
    '/tiles/nodes.json',
    '/tiles/nodes,hex.json',
    '/tiles/catalog',
  ]) {
    for (const [headers, code] of refusals) {
      const res = await h.request(path, { headers });
      const body = (await res.json()) as { error: { code: string; requestId: string } };
      expect({ path, status: res.status, code: body.error.code }).toEqual({
        path,
        status: 401,
        code,
      });
      expect(body.error.requestId).toBe(res.headers.get('x-request-id')!);
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
