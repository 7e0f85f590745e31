// The edge protects itself over real HTTP: per-IP read limit with Retry-After, body size
// limit, a deadline, and reads that go on while the core is down.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { TRPCClientError } from '@trpc/client';
import { accessTokenFor } from '@weltgewebe/infra/testing';
import { freePort } from '../../../infra/src/services/free-port.ts';
import { type EdgeHarness, startEdgeHarness } from '../testing/edge-harness.ts';
import { serveEdge } from '../testing/served-edge.ts';
import { createRequestGuard } from './request-guard.ts';

let h: EdgeHarness;
const stops: Array<() => Promise<void>> = [];
beforeAll(async () => {
  h = await startEdgeHarness();
}, 120_000);
afterAll(async () => {
  for (const stop of stops) await stop();
  await h?.stop();
}, 60_000);

const serve = async (opts: Parameters<typeof serveEdge>[1]) => {
  const served = await serveEdge(h.core, opts);
  stops.push(served.stop);
  return served;
};

describe('per-IP read limit', () => {
  test('over the limit: 429 with Retry-After and a JSON body; health stays open', async () => {
    const edge = await serve({ protection: { readsPerMinute: 3 } });
    for (let i = 0; i < 3; i++) expect((await fetch(`${edge.url}/tiles/catalog`)).status).toBe(200);
    const refused = await fetch(`${edge.url}/tiles/catalog`);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await refused.json()) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe('TOO_MANY_REQUESTS');
    expect(body.error.requestId).toBe(refused.headers.get('x-request-id')!);
    expect((await fetch(`${edge.url}/health/live`)).status).toBe(200);
  });

  test('tRPC reads get a tRPC error with code TOO_MANY_REQUESTS', async () => {
    const edge = await serve({ protection: { readsPerMinute: 2 } });
    const box = { west: 9, south: 53, east: 10, north: 54 };
    const client = edge.client();
    // One batched GET with two procedures is two reads.
    await Promise.all([client.nodes.inBBox.query(box), client.nodes.inBBox.query(box)]);
    const error = await client.nodes.inBBox.query(box).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<never>).data).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      httpStatus: 429,
      domainCode: 'READ_RATE_LIMITED',
    });
  });

  test('behind the trusted proxy each client has its own budget', async () => {
    const edge = await serve({ protection: { readsPerMinute: 1, trustedProxies: ['127.0.0.1'] } });
    const from = (ip: string) =>
      fetch(`${edge.url}/tiles/catalog`, { headers: { 'x-forwarded-for': ip } });
    expect((await from('203.0.113.1')).status).toBe(200);
    expect((await from('203.0.113.2')).status).toBe(200);
    expect((await from('203.0.113.1')).status).toBe(429);
  });

  test('from an untrusted peer X-Forwarded-For changes nothing', async () => {
    const edge = await serve({ protection: { readsPerMinute: 1, trustedProxies: ['10.9.9.9'] } });
    const from = (ip: string) =>
      fetch(`${edge.url}/tiles/catalog`, { headers: { 'x-forwarded-for': ip } });
    expect((await from('203.0.113.1')).status).toBe(200);
    expect((await from('203.0.113.2')).status).toBe(429);
  });
});

describe('request size', () => {
  test('a body over the limit is 413 JSON, with or without Content-Length', async () => {
    const edge = await serve({ protection: { maxBodyBytes: 64 * 1024 } });
    const token = await accessTokenFor('weaver');
    const big = JSON.stringify({ title: 'x'.repeat(100 * 1024) });
    const post = (body: BodyInit) =>
      fetch(`${edge.url}/trpc/nodes.create`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      });
    const sized = await post(big);
    expect(sized.status).toBe(413);
    const body = (await sized.json()) as { error: { data: { code: string } } };
    expect(body.error.data.code).toBe('PAYLOAD_TOO_LARGE');

    const bytes = new TextEncoder().encode(big);
    const chunked = await post(
      new ReadableStream({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(bytes.slice(i, i + 8192));
          controller.close();
        },
      }),
    );
    expect(chunked.status).toBe(413);
  });
});

describe('core down', () => {
  test('commands are SERVICE_UNAVAILABLE without waiting out the timeout; reads go on', async () => {
    // Nothing listens on this port; the core timeout is longer than the whole test may take,
    // so an answer at all shows that a refused connection is not waited out.
    const edge = await serve({
      coreUrl: `http://127.0.0.1:${await freePort()}`,
      coreTimeoutMs: 600_000,
    });
    const client = edge.client(await accessTokenFor('weaver'));
    const error = await client.nodes.create
      .mutate({
        operationId: crypto.randomUUID(),
        kind: 'place',
        title: 'Offline',
        lat: 50,
        lon: 8,
      })
      .catch((e: unknown) => e);
    expect((error as TRPCClientError<never>).data).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      domainCode: 'CORE_UNAVAILABLE',
    });
    const page = await client.nodes.inBBox.query({ west: -180, south: -85, east: 180, north: 85 });
    expect(Array.isArray(page.items)).toBe(true);
    const found = await client.search.query.query({ q: 'Offline' });
    expect(found.nodes).toEqual([]);
  });
});

describe('two cores, one of them down', () => {
  test('every command reaches the core that is up, none waits for the one that is not', async () => {
    const core = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: h.core.fetchHandler });
    stops.push(async () => {
      await core.stop(true);
    });
    // The dead one first in the list: calls take turns, so half would start there.
    const edge = await serve({
      coreUrl: `http://127.0.0.1:${await freePort()},http://127.0.0.1:${core.port}`,
      coreTimeoutMs: 600_000,
    });
    const client = edge.client(await accessTokenFor('weaver'));
    for (let i = 0; i < 4; i++) {
      const node = await client.nodes.create.mutate({
        operationId: crypto.randomUUID(),
        kind: 'place',
        title: `Zweiter Kern ${i}`,
        lat: 50,
        lon: 8,
      });
      expect(node.title).toBe(`Zweiter Kern ${i}`);
    }
  });
});

describe('deadline', () => {
  test('a request that never answers gets 504 JSON with its request id', async () => {
    const guard = createRequestGuard({ requestTimeoutMs: 100 });
    const request = new Request('http://edge.test/trpc/nodes.inBBox');
    const answer = await guard.deadline(
      new Promise<Response>(() => {}),
      request,
      '/trpc/nodes.inBBox',
      'req-12345678',
    );
    expect(answer.status).toBe(504);
    const body = (await answer.json()) as { error: { data: { code: string; requestId: string } } };
    expect(body.error.data).toMatchObject({ code: 'GATEWAY_TIMEOUT', requestId: 'req-12345678' });
  });
});

describe('metrics under random paths', () => {
  test('a thousand invented paths add one route label, not a thousand', async () => {
    const edge = await serve({});
    const paths = Array.from({ length: 1000 }, (_, i) => `/probe-${i}-${crypto.randomUUID()}`);
    for (let i = 0; i < paths.length; i += 50) {
      await Promise.all(
        paths.slice(i, i + 50).map((p) => fetch(`${edge.url}${p}`).then((r) => r.arrayBuffer())),
      );
    }
    await fetch(`${edge.url}/tiles/catalog`).then((r) => r.arrayBuffer());
    const text = await (await fetch(`${edge.url}/metrics`)).text();
    const routes = new Set(
      [
        ...text.matchAll(/weltgewebe_http_request_duration_seconds_count\{[^}]*route="([^"]*)"/g),
      ].map((m) => m[1]),
    );
    expect(text).not.toContain('probe-');
    expect(routes.has('other')).toBe(true);
    expect(routes.has('/tiles')).toBe(true);
    expect(routes.size).toBeLessThanOrEqual(6);
  });
});
