// threads.* through the edge: a node's living threads with strength computed at read time,
// and spinning forwarded to the core.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { TRPCClientError } from '@trpc/client';
import { accessTokenFor } from '@weltgewebe/infra/testing';
import { innerCallerAs } from '../../../core/src/testing/inner-caller.ts';
import { type EdgeHarness, startEdgeHarness } from '../testing/edge-harness.ts';

let h: EdgeHarness;
beforeAll(async () => {
  h = await startEdgeHarness();
});
afterAll(async () => {
  await h.stop();
});

const HOUR = 3_600_000;

describe('threads via the edge', () => {
  test('forNode: living threads only, strength = remaining life / 168 h, no line when off the map', async () => {
    const weaver = h.client(await accessTokenFor('weaver'));
    const node = await weaver.nodes.create.mutate({
      operationId: crypto.randomUUID(),
      kind: 'place',
      title: 'Tauschregal',
      lat: 49.45,
      lon: 11.08,
    });
    const halfway = innerCallerAs(h.core, `half-${crypto.randomUUID()}`, {
      now: () => new Date(Date.now() - 84 * HOUR),
    });
    await halfway.accounts.setLocation({ mapState: 'exact', lat: 49.4, lon: 11.0 });
    const half = await halfway.threads.spin({ nodeId: node.id, kind: 'participation' });
    const expired = innerCallerAs(h.core, `gone-${crypto.randomUUID()}`, {
      now: () => new Date(Date.now() - 169 * HOUR),
    });
    await expired.threads.spin({ nodeId: node.id, kind: 'participation' });
    const reader = h.client(await accessTokenFor('reader'));
    const fresh = await reader.threads.spin.mutate({ nodeId: node.id, kind: 'participation' });
    expect(fresh.strength).toBe(1);

    const { items } = await h.client(null).threads.forNode.query({ nodeId: node.id });
    const byId = new Map(items.map((t) => [t.id, t]));
    // The knotting thread of the creator, the half-faded one and the fresh one.
    expect(items.length).toBe(3);
    expect(byId.get(half.id)!.strength).toBeCloseTo(0.5, 2);
    expect(byId.get(half.id)!.from).toEqual({ lat: 49.4, lon: 11.0 });
    expect(byId.get(fresh.id)!.strength).toBeGreaterThan(0.99);
    expect(byId.get(fresh.id)!.from).toBeNull();
    expect(byId.get(fresh.id)!.accountName).toBe('Rike Reader');
  });

  test('spin without a token is UNAUTHORIZED; forNode of an unknown node NOT_FOUND', async () => {
    const anonymous = h.client(null);
    const a = (await anonymous.threads.spin
      .mutate({ nodeId: crypto.randomUUID(), kind: 'participation' })
      .catch((e: unknown) => e)) as TRPCClientError<never>;
    expect(a.data).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });
    const b = (await anonymous.threads.forNode
      .query({ nodeId: crypto.randomUUID() })
      .catch((e: unknown) => e)) as TRPCClientError<never>;
    expect(b.data).toMatchObject({ code: 'NOT_FOUND', domainCode: 'NODE_NOT_FOUND' });
  });
});
