// The per-account command limit seen through the edge: HTTP 429 with a Retry-After header.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { accessTokenFor } from '@weltgewebe/infra/testing';
import { type EdgeHarness, startEdgeHarness } from '../testing/edge-harness.ts';

let h: EdgeHarness;
beforeAll(async () => {
  h = await startEdgeHarness();
});
afterAll(async () => {
  await h.stop();
});

describe('command limit via the edge', () => {
  test('the 61st command in a minute is HTTP 429 with Retry-After; reads go on', async () => {
    const token = await accessTokenFor('reader');
    const hide = () =>
      h.request('/trpc/accounts.hide', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      });
    for (let i = 0; i < 60; i++) {
      const ok = await hide();
      expect(ok.status).toBe(200);
      expect(ok.headers.get('retry-after')).toBeNull();
    }
    const refused = await hide();
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = (await refused.json()) as {
      error: { message: string; data: { domainCode: string; requestId: string } };
    };
    expect(body.error.data.domainCode).toBe('COMMAND_RATE_LIMITED');
    expect(body.error.data.requestId).toBe(refused.headers.get('x-request-id')!);
    expect(body.error.message).toContain(`${retryAfter} Sekunden`);

    const me = await h.client(token).accounts.me.query();
    expect(me.displayName).toBe('Rike Reader');
  });
});
