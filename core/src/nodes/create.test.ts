// nodes.create end to end inside the core: row + outbox + exactly one event on JetStream.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { TRPCClientError } from '@trpc/client';
import { type CoreHarness, startCoreHarness } from '../testing/core-harness.ts';

let h: CoreHarness;
beforeAll(async () => {
  h = await startCoreHarness();
});
afterAll(async () => {
  await h.stop();
});

const hamburg = { lat: 53.5511, lon: 9.9937 };

async function waitFor<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await Bun.sleep(100);
  }
}

describe('nodes.create', () => {
  test('writes the node, its outbox row and one event; a repeat with the same operationId changes nothing', async () => {
    const weaver = await h.clientAs('weaver');
    const operationId = crypto.randomUUID();
    const input = {
      operationId,
      kind: 'place' as const,
      title: 'Gemeinschaftsgarten Wilhelmsburg',
      topics: ['food', 'nature'] as ('food' | 'nature')[],
      ...hamburg,
    };
    const node = await weaver.nodes.create.mutate(input);
    expect(node.title).toBe('Gemeinschaftsgarten Wilhelmsburg');
    expect(node.lat).toBeCloseTo(hamburg.lat, 6);
    expect(node.version).toBe(1);

    const again = await weaver.nodes.create.mutate(input);
    expect(again).toEqual(node);

    const rows = await h.sql`SELECT id FROM nodes WHERE title = 'Gemeinschaftsgarten Wilhelmsburg'`;
    expect(rows.length).toBe(1);
    const outbox =
      await h.sql`SELECT envelope FROM outbox WHERE subject = 'gewebe.node.created' AND envelope->>'aggregateId' = ${node.id}`;
    expect(outbox.length).toBe(1);

    await h.relay.start();
    const events = await waitFor(
      async () =>
        (await h.streamEvents('gewebe.node.created')).filter((e) => e.aggregateId === node.id),
      (e) => e.length > 0,
    );
    // Publish the same outbox row again (as a relay crash before marking would): the stream drops it.
    await h.sql`UPDATE outbox SET published_at = NULL WHERE envelope->>'aggregateId' = ${node.id}`;
    await waitFor(
      async () =>
        (await h.sql`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`)[0]!
          .n as number,
      (n) => n === 0,
    );
    const after = (await h.streamEvents('gewebe.node.created')).filter(
      (e) => e.aggregateId === node.id,
    );
    expect(events.length).toBe(1);
    expect(after.length).toBe(1);
    expect(after[0]!.data).toMatchObject({ id: node.id, kind: 'place', location: hamburg });
    expect(after[0]!.id).toBe((outbox[0]!.envelope as { id: string }).id);
  });

  test('the same operationId with other content is a CONFLICT', async () => {
    const weaver = await h.clientAs('weaver');
    const operationId = crypto.randomUUID();
    await weaver.nodes.create.mutate({ operationId, kind: 'place', title: 'Erster', ...hamburg });
    const error = await weaver.nodes.create
      .mutate({ operationId, kind: 'place', title: 'Zweiter', ...hamburg })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<never>).data).toMatchObject({
      code: 'CONFLICT',
      domainCode: 'OPERATION_ID_REUSED',
    });
  });

  test('bad input lists each bad field and writes nothing', async () => {
    const reader = await h.clientAs('reader');
    const before = (await h.sql`SELECT count(*)::int AS n FROM nodes`)[0]!.n;
    const error = (await reader.nodes.create
      .mutate({ operationId: crypto.randomUUID(), kind: 'event', title: '', lat: 91, lon: 10 })
      .catch((e: unknown) => e)) as TRPCClientError<never>;
    expect(error.data).toMatchObject({
      code: 'BAD_REQUEST',
      domainCode: 'VALIDATION_FAILED',
      httpStatus: 400,
    });
    const fields = (error.data as unknown as { fieldErrors: Record<string, string[]> }).fieldErrors;
    expect(Object.keys(fields).sort()).toEqual(['lat', 'startsAt', 'title']);
    expect((error.data as unknown as { requestId: string }).requestId).toBeString();
    expect((await h.sql`SELECT count(*)::int AS n FROM nodes`)[0]!.n).toBe(before);
  });

  test('without a token the core refuses with UNAUTHORIZED; a forged token too', async () => {
    const anonymous = h.clientFor(null);
    const e1 = (await anonymous.nodes.create
      .mutate({ operationId: crypto.randomUUID(), kind: 'place', title: 'x', ...hamburg })
      .catch((e: unknown) => e)) as TRPCClientError<never>;
    expect(e1.data).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });
    const forged = h.clientFor('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.x');
    const e2 = (await forged.nodes.create
      .mutate({ operationId: crypto.randomUUID(), kind: 'place', title: 'x', ...hamburg })
      .catch((e: unknown) => e)) as TRPCClientError<never>;
    expect(e2.data).toMatchObject({ code: 'UNAUTHORIZED', domainCode: 'INVALID_TOKEN' });
  });
});
