// Area alerts through the edge: alerts.* forwarded with the caller's identity, and the RFC 8058
// one-click unsubscribe (no sign-in): a mail client's POST gets a plain success, the confirm
// page's form a redirect to its result, a bad token a JSON error; a repeat changes nothing.
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

const box = { west: 9.9, south: 53.5, east: 10.1, north: 53.6 };
const form = { 'content-type': 'application/x-www-form-urlencoded' };

async function subscribedToken() {
  const weaver = h.client(await accessTokenFor('weaver'));
  const sub = await weaver.alerts.subscribe.mutate({ area: box, cadence: 'instant' });
  const [row] = await h.core.sql<{ unsubscribe_token: string }[]>`
    SELECT unsubscribe_token FROM alert_subscriptions WHERE id = ${sub.id}`;
  return { weaver, sub, token: row!.unsubscribe_token };
}

describe('alerts via the edge', () => {
  test('subscribe and list reach the core; the mail client one-click POST unsubscribes once', async () => {
    const { weaver, sub, token } = await subscribedToken();
    expect((await weaver.alerts.list.query()).map((s) => s.id)).toContain(sub.id);
    const oneClick = () =>
      h.request(`/alerts/unsubscribe?token=${token}`, {
        method: 'POST',
        headers: form,
        body: 'List-Unsubscribe=One-Click',
      });
    const first = await oneClick();
    expect(first.status).toBe(200);
    expect(await first.text()).toBe('unsubscribed\n');
    expect((await weaver.alerts.list.query()).map((s) => s.id)).not.toContain(sub.id);
    const again = await oneClick();
    expect(await again.text()).toBe('not subscribed\n');
  });

  test('the confirm page form is redirected to its result; a malformed token is a 400', async () => {
    const { token } = await subscribedToken();
    const confirm = await h.request(`/alerts/unsubscribe?token=${token}`, {
      method: 'POST',
      headers: form,
      body: '',
    });
    expect(confirm.status).toBe(303);
    expect(confirm.headers.get('location')).toBe('/alerts/unsubscribe?result=done');
    const bad = await h.request('/alerts/unsubscribe?token=short', { method: 'POST' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('INVALID_TOKEN');
  });
});
