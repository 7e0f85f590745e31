// accounts.* through the edge: own account and location commands forwarded to the core,
// the public view read from PostgreSQL, and no private coordinate in any edge read.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { TRPCClientError } from '@trpc/client';
import { createPool } from '@weltgewebe/db/client';
import { RADIUS_LADDER_M } from '@weltgewebe/events/domain';
import { accessTokenFor } from '@weltgewebe/infra/testing';
import { innerCallerAs } from '../../../core/src/testing/inner-caller.ts';
import { type EdgeHarness, startEdgeHarness } from '../testing/edge-harness.ts';
import { featuresAt } from '../tiles/tile-testing.ts';

let h: EdgeHarness;
beforeAll(async () => {
  h = await startEdgeHarness();
});
afterAll(async () => {
  await h.stop();
});

const errorOf = async (p: Promise<unknown>) =>
  (await p.catch((e: unknown) => e)) as TRPCClientError<never>;

describe('accounts via the edge', () => {
  test('me and setLocation are forwarded; byId shows the public view only', async () => {
    const reader = h.client(await accessTokenFor('reader'));
    const location = { lat: 51.339_123_7, lon: 12.373_456_1 };
    const placed = await reader.accounts.setLocation.mutate({
      mapState: 'radius',
      radiusM: 1000,
      ...location,
    });
    expect(placed).toMatchObject({ mapState: 'radius', radiusM: 1000 });
    const me = await reader.accounts.me.query();
    expect(me.privateLocation).toEqual(location);
    expect(me.publicPoint).toEqual(placed.publicPoint);
    const seen = await h.client(null).accounts.byId.query({ id: me.id });
    expect(seen).toEqual({
      id: me.id,
      displayName: 'Rike Reader',
      mapState: 'radius',
      publicPoint: placed.publicPoint,
      radiusM: 1000,
    });
    await reader.accounts.hide.mutate();
    expect(await h.client(null).accounts.byId.query({ id: me.id })).toMatchObject({
      mapState: 'not_on_map',
      publicPoint: null,
      radiusM: null,
    });
  });

  test('a Garnrolle placed through this edge is on its cached tiles at once, before any event', async () => {
    // No relay runs in this file: only the edge's own hand-over of the answer can drop them.
    const admin = h.client(await accessTokenFor('admin'));
    const id = (await admin.accounts.me.query()).id;
    const spot = { lat: 53.5503, lon: 9.9937 }; // Hamburg
    const ids = async (z: number) =>
      (await featuresAt(h.request, 'accounts', spot, z)).map((f) => f.properties.id);
    expect(await ids(14)).not.toContain(id); // cached without it
    expect(await ids(10)).not.toContain(id);
    await admin.accounts.setLocation.mutate({ mapState: 'exact', ...spot });
    expect(await ids(14)).toContain(id);
    expect(await ids(10)).toContain(id);
  });

  test('anonymous: commands and me UNAUTHORIZED; unknown id NOT_FOUND', async () => {
    const anonymous = h.client(null);
    for (const p of [
      anonymous.accounts.me.query(),
      anonymous.accounts.setLocation.mutate({ mapState: 'exact', lat: 1, lon: 1 }),
      anonymous.accounts.hide.mutate(),
    ]) {
      expect((await errorOf(p)).data).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });
    }
    expect(
      (await errorOf(anonymous.accounts.byId.query({ id: crypto.randomUUID() }))).data,
    ).toMatchObject({ code: 'NOT_FOUND', domainCode: 'ACCOUNT_NOT_FOUND' });
  });

  test('the edge role cannot read private locations at all', async () => {
    const edgeSql = createPool(h.core.db.edgeUrl, { applicationName: 'edge-test-grants' });
    try {
      const error = await edgeSql`SELECT location FROM account_locations`.catch((e: unknown) => e);
      expect(String((error as Error).message)).toContain('permission denied');
      const rate = await edgeSql`SELECT 1 FROM command_rate_windows`.catch((e: unknown) => e);
      expect(String((rate as Error).message)).toContain('permission denied');
    } finally {
      await edgeSql.end({ timeout: 2 });
    }
  });

  test('100 radius accounts: no private coordinate in byId, threads.forNode or messages.list', async () => {
    const weaver = h.client(await accessTokenFor('weaver'));
    const node = await weaver.nodes.create.mutate({
      operationId: crypto.randomUUID(),
      kind: 'place',
      title: 'Dorfplatz',
      lat: 47.999,
      lon: 7.842,
    });
    const privateValues = new Set<number>();
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) {
      const caller = innerCallerAs(h.core, `edge-privacy-${i}-${crypto.randomUUID()}`);
      const location = { lat: 47.9 + Math.random() * 0.2, lon: 7.7 + Math.random() * 0.3 };
      privateValues.add(location.lat).add(location.lon);
      const placed = await caller.accounts.setLocation({
        mapState: 'radius',
        radiusM: RADIUS_LADDER_M[i % RADIUS_LADDER_M.length]!,
        ...location,
      });
      ids.push(placed.id);
      await caller.threads.spin({ nodeId: node.id, kind: 'participation' });
      await caller.messages.post({
        nodeId: node.id,
        body: `Gruß Nr. ${i}`,
        idempotencyKey: crypto.randomUUID(),
      });
    }
    const anonymous = h.client(null);
    const reads: unknown[] = [];
    for (const id of ids) reads.push(await anonymous.accounts.byId.query({ id }));
    reads.push(await anonymous.threads.forNode.query({ nodeId: node.id, limit: 500 }));
    reads.push(await anonymous.messages.list.query({ nodeId: node.id, limit: 200 }));
    reads.push(
      await anonymous.nodes.inBBox.query({ west: 7, south: 47, east: 9, north: 49, limit: 1000 }),
    );
    const text = JSON.stringify(reads);
    const leaked = (text.match(/-?\d+\.\d+/g) ?? [])
      .map(Number)
      .filter((n) => privateValues.has(n));
    expect(leaked).toEqual([]);
    // …while the public points are there (a participation and a conversation thread each).
    const forNode = reads[ids.length] as { items: { from: unknown }[] };
    expect(forNode.items.filter((t) => t.from !== null).length).toBe(200);
  }, 60_000);
});
