// live.changes over real HTTP (SSE): a change inside the subscribed box arrives, one
// outside does not; the pieces behind it (box test, fan-out, event mapping) on their own.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { TRPCClientError } from '@trpc/client';
import { accessTokenFor } from '@weltgewebe/infra/testing';
import { type EdgeHarness, startEdgeHarness } from '../testing/edge-harness.ts';
import { type ServedEdge, serveEdge } from '../testing/served-edge.ts';
import { LiveHub } from './live-hub.ts';
import { boxContains, type LiveChange, type LiveItem } from './model.ts';

type NodeChange = Extract<LiveChange, { previous: unknown; node: unknown }>;

let h: EdgeHarness;
let served: ServedEdge;
beforeAll(async () => {
  h = await startEdgeHarness();
  await h.core.relay.start();
  served = await serveEdge(h.core);
}, 120_000);
afterAll(async () => {
  await served?.stop();
  await h?.stop();
}, 60_000);

type Box = { west: number; south: number; east: number; north: number };

/**
 * Collects a subscription's items (tracked: each with the id a reconnect would send);
 * `next(pred)` waits for the first matching one.
 */
function listen(box: Box, lastEventId?: string) {
  const items: LiveItem[] = [];
  const ids: string[] = [];
  const waiters: Array<{ pred: (i: LiveItem) => boolean; resolve: (i: LiveItem) => void }> = [];
  const subscription = served.client().live.changes.subscribe(
    { ...box, ...(lastEventId ? { lastEventId } : {}) },
    {
      onData: ({ id, data }) => {
        const item = data as LiveItem;
        items.push(item);
        ids.push(id);
        for (const w of [...waiters]) {
          if (w.pred(item)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(item);
          }
        }
      },
    },
  );
  const next = (pred: (i: LiveItem) => boolean) =>
    new Promise<LiveItem>((resolve) => {
      const seen = items.find(pred);
      if (seen) resolve(seen);
      else waiters.push({ pred, resolve });
    });
  return { items, ids, next, close: () => subscription.unsubscribe() };
}

describe('live.changes over SSE', () => {
  test('a node created in the box arrives; one outside does not', async () => {
    const hamburg = { west: 9.8, south: 53.4, east: 10.2, north: 53.7 };
    const live = listen(hamburg);
    await live.next((i) => i.type === 'subscribed');

    const weaver = served.client(await accessTokenFor('weaver'));
    const create = (title: string, lat: number, lon: number) =>
      weaver.nodes.create.mutate({
        operationId: crypto.randomUUID(),
        kind: 'place',
        title,
        lat,
        lon,
      });
    const outside = await create('Markthalle München', 48.13, 11.57);
    const inside = await create('Tauschregal Ottensen', 53.55, 9.93);

    const arrived = (await live.next(
      (i) => i.type === 'node.created' && i.node.id === inside.id,
    )) as NodeChange;
    expect(arrived.node).toMatchObject({ title: 'Tauschregal Ottensen', kind: 'place' });
    expect(arrived.node.lat).toBeCloseTo(53.55, 5);
    // Events keep their order; the outside node came first and was never delivered.
    const nodeIds = live.items.flatMap((i) => ('node' in i ? [(i as NodeChange).node.id] : []));
    expect(nodeIds).not.toContain(outside.id);
    live.close();
  });

  test('a subscriber that comes back with its last event id gets what it missed, once', async () => {
    const berlin = { west: 13.2, south: 52.4, east: 13.6, north: 52.6 };
    const weaver = served.client(await accessTokenFor('weaver'));
    const create = (title: string) =>
      weaver.nodes.create.mutate({
        operationId: crypto.randomUUID(),
        kind: 'place',
        title,
        lat: 52.5,
        lon: 13.4,
      });
    const first = listen(berlin);
    await first.next((i) => i.type === 'subscribed');
    const heard = await create('Werkzeugbibliothek');
    await first.next((i) => i.type === 'node.created' && i.node.id === heard.id);
    const lastEventId = first.ids[first.ids.length - 1]!;
    first.close();

    // Made while nobody listened (the connection dropped, the instance died).
    const missed = [await create('Saatgutbörse'), await create('Reparaturtreff')];
    const back = listen(berlin, lastEventId);
    for (const node of missed) {
      await back.next((i) => i.type === 'node.created' && i.node.id === node.id);
    }
    const after = await create('Nachbarschaftsgarten');
    await back.next((i) => i.type === 'node.created' && i.node.id === after.id);
    const created = back.items.flatMap((i) => (i.type === 'node.created' ? [i.node.id] : []));
    expect(created).toEqual([...missed.map((n) => n.id), after.id]);
    expect(back.items[0]).toMatchObject({ type: 'subscribed', missed: false });
    // Ids are stream sequences: they only grow, so a later reconnect resumes at the right place.
    const seqs = back.ids.slice(1).map(Number);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(seqs[0]).toBeGreaterThan(Number(lastEventId));
    back.close();
  });

  test('a last event id past the end of the stream (made anew since): missed, then on from now', async () => {
    const box = { west: 11.4, south: 48.0, east: 11.8, north: 48.3 };
    const back = listen(box, '999999999999');
    expect(await back.next((i) => i.type === 'subscribed')).toMatchObject({ missed: true });
    const weaver = served.client(await accessTokenFor('weaver'));
    const node = await weaver.nodes.create.mutate({
      operationId: crypto.randomUUID(),
      kind: 'place',
      title: 'Stadtteilladen',
      lat: 48.14,
      lon: 11.58,
    });
    await back.next((i) => i.type === 'node.created' && i.node.id === node.id);
    back.close();
  });

  test('a box with south above north is BAD_REQUEST', async () => {
    const error = await new Promise<unknown>((resolve) => {
      served
        .client()
        .live.changes.subscribe(
          { west: 9, south: 54, east: 10, north: 53 },
          { onError: resolve, onData: () => resolve(new Error('data instead of an error')) },
        );
    });
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<never>).data).toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('live pieces', () => {
  const change = (lat: number, lon: number): LiveChange => ({
    type: 'node.removed',
    eventId: crypto.randomUUID(),
    occurredAt: new Date().toISOString(),
    node: { id: crypto.randomUUID(), lat, lon, version: 2 },
  });

  test('boxes across the antimeridian', () => {
    const pacific = { west: 170, south: -20, east: -170, north: 20 };
    expect(boxContains(pacific, { lat: 0, lon: 179 })).toBe(true);
    expect(boxContains(pacific, { lat: 0, lon: -175 })).toBe(true);
    expect(boxContains(pacific, { lat: 0, lon: 0 })).toBe(false);
  });

  test('the hub hands a change only to subscribers whose box holds it', async () => {
    const hub = new LiveHub();
    const north = hub.subscribe({ west: 0, south: 50, east: 20, north: 60 });
    const south = hub.subscribe({ west: 0, south: 40, east: 20, north: 50 - 1e-9 });
    expect(hub.publish(change(55, 10), [{ lat: 55, lon: 10 }])).toBe(1);
    const first = await north.changes().next();
    expect(first.value).toMatchObject({ change: { type: 'node.removed', node: { lat: 55 } } });
    north.close();
    south.close();
    expect(hub.size).toBe(0);
  });

  test('a reader that falls behind is told it lost its queue, then gets what came after', async () => {
    const hub = new LiveHub();
    hub.advance(10);
    const slow = hub.subscribe({ west: -180, south: -85, east: 180, north: 85 });
    expect(slow.from).toBe(10);
    for (let i = 1; i <= 300; i++) hub.publish(change(1, 1), [{ lat: 1, lon: 1 }], 10 + i);
    const reader = slow.changes();
    expect((await reader.next()).value).toBe('lost');
    // What is left after the drop comes in order, from where the queue was emptied.
    const next = (await reader.next()).value;
    expect(next).toMatchObject({ seq: 10 + 257 });
    expect(hub.position).toBe(310);
    slow.close();
  });
});
