// nodes.* through the edge: reads from PostgreSQL, commands forwarded to the core, CSRF guard.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { TRPCClientError } from '@trpc/client';
import { accessTokenFor } from '@weltgewebe/infra/testing';
import { EDGE_ORIGIN, type EdgeHarness, startEdgeHarness } from '../testing/edge-harness.ts';

let h: EdgeHarness;
beforeAll(async () => {
  h = await startEdgeHarness();
});
afterAll(async () => {
  await h.stop();
});

const create = (title: string, lat: number, lon: number) => ({
  operationId: crypto.randomUUID(),
  kind: 'resource' as const,
  title,
  lat,
  lon,
});

describe('nodes via the edge', () => {
  test('inBBox lists live nodes in the box, page by page', async () => {
    const weaver = h.client(await accessTokenFor('weaver'));
    for (let i = 0; i < 5; i++)
      await weaver.nodes.create.mutate(create(`Lastenrad ${i}`, 48.13 + i * 0.001, 11.57));
    await weaver.nodes.create.mutate(create('Weit weg', 40, -3.7));
    const anonymous = h.client(null);
    const box = { west: 11.5, south: 48.1, east: 11.6, north: 48.2 };
    const first = await anonymous.nodes.inBBox.query({ ...box, limit: 3 });
    expect(first.items.length).toBe(3);
    expect(first.nextCursor).not.toBeNull();
    const second = await anonymous.nodes.inBBox.query({
      ...box,
      limit: 3,
      cursor: first.nextCursor,
    });
    expect(second.items.length).toBe(2);
    expect(second.nextCursor).toBeNull();
    const titles = [...first.items, ...second.items].map((n) => n.title).sort();
    expect(titles).toEqual([
      'Lastenrad 0',
      'Lastenrad 1',
      'Lastenrad 2',
      'Lastenrad 3',
      'Lastenrad 4',
    ]);
  });

  test('core validation errors keep their code and fields through the edge', async () => {
    const reader = h.client(await accessTokenFor('reader'));
    const error = (await reader.nodes.create
      .mutate(create('', 10, 10))
      .catch((e: unknown) => e)) as TRPCClientError<never>;
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(error.data).toMatchObject({
      code: 'BAD_REQUEST',
      domainCode: 'VALIDATION_FAILED',
      httpStatus: 400,
    });
    expect(Object.keys((error.data as unknown as { fieldErrors: object }).fieldErrors)).toEqual([
      'title',
    ]);
  });

  test('anonymous commands are UNAUTHORIZED at the edge', async () => {
    const error = (await h
      .client(null)
      .nodes.create.mutate(create('x', 10, 10))
      .catch((e: unknown) => e)) as TRPCClientError<never>;
    expect(error.data).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });
  });

  test('a cookie-authenticated mutation needs our own Origin', async () => {
    const token = await accessTokenFor('weaver');
    const body = JSON.stringify(create('Per Cookie', 50.11, 8.68));
    const post = (origin: string) =>
      h.request('/trpc/nodes.create', {
        method: 'POST',
        headers: { cookie: `wg_at=${token}`, origin, 'content-type': 'application/json' },
        body,
      });
    const evil = await post('https://evil.example');
    expect(evil.status).toBe(403);
    expect(
      ((await evil.json()) as { error: { data: { domainCode: string } } }).error.data.domainCode,
    ).toBe('CROSS_SITE_REQUEST');
    const ours = await post(EDGE_ORIGIN);
    expect(ours.status).toBe(200);
  });
});
