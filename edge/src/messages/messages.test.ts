// messages.* through the edge: the conversation read from PostgreSQL in order, tombstones
// without text, posting and retracting forwarded to the core.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { TRPCClientError } from '@trpc/client';
import { accessTokenFor } from '@weltgewebe/infra/testing';
import { type EdgeHarness, startEdgeHarness } from '../testing/edge-harness.ts';

let h: EdgeHarness;
let nodeId: string;
beforeAll(async () => {
  h = await startEdgeHarness();
  const weaver = h.client(await accessTokenFor('weaver'));
  nodeId = (
    await weaver.nodes.create.mutate({
      operationId: crypto.randomUUID(),
      kind: 'event',
      title: 'Nachbarschaftsfest',
      startsAt: '2030-06-01T14:00:00Z',
      lat: 53.08,
      lon: 8.8,
    })
  ).id;
});
afterAll(async () => {
  await h.stop();
});

const errorOf = async (p: Promise<unknown>) =>
  (await p.catch((e: unknown) => e)) as TRPCClientError<never>;

describe('messages via the edge', () => {
  test('list: oldest first, page by page; a retracted message keeps its place without text', async () => {
    const reader = h.client(await accessTokenFor('reader'));
    const weaver = h.client(await accessTokenFor('weaver'));
    const posted = [];
    for (let i = 0; i < 5; i++) {
      const client = i % 2 ? weaver : reader;
      posted.push(
        await client.messages.post.mutate({
          nodeId,
          body: `Beitrag ${i}`,
          idempotencyKey: crypto.randomUUID(),
        }),
      );
    }
    await reader.messages.retract.mutate({ messageId: posted[2]!.id });
    await h.core.sql`UPDATE messages SET hidden_at = now() WHERE id = ${posted[3]!.id}`;

    const anonymous = h.client(null);
    const first = await anonymous.messages.list.query({ nodeId, limit: 3 });
    const second = await anonymous.messages.list.query({
      nodeId,
      limit: 3,
      cursor: first.nextCursor,
    });
    expect(second.nextCursor).toBeNull();
    const items = [...first.items, ...second.items];
    expect(items.map((m) => m.id)).toEqual(posted.map((m) => m.id));
    expect(items.map((m) => m.body)).toEqual(['Beitrag 0', 'Beitrag 1', null, null, 'Beitrag 4']);
    expect(items[2]).toMatchObject({ retracted: true, hidden: false, authorName: 'Rike Reader' });
    expect(items[3]).toMatchObject({ retracted: false, hidden: true });
    expect(items[1]!.authorName).toBe('Wim Weber');
  });

  test('post through the edge is idempotent per key; refusals keep their codes', async () => {
    const reader = h.client(await accessTokenFor('reader'));
    const input = { nodeId, body: 'Ich bringe Kuchen mit.', idempotencyKey: crypto.randomUUID() };
    const a = await reader.messages.post.mutate(input);
    const b = await reader.messages.post.mutate(input);
    expect(b).toEqual(a);
    const weaver = h.client(await accessTokenFor('weaver'));
    expect((await errorOf(weaver.messages.retract.mutate({ messageId: a.id }))).data).toMatchObject(
      {
        code: 'FORBIDDEN',
        domainCode: 'NOT_MESSAGE_AUTHOR',
      },
    );
    expect((await errorOf(h.client(null).messages.post.mutate(input))).data).toMatchObject({
      code: 'UNAUTHORIZED',
      httpStatus: 401,
    });
    expect(
      (await errorOf(h.client(null).messages.list.query({ nodeId: crypto.randomUUID() }))).data,
    ).toMatchObject({ code: 'NOT_FOUND', domainCode: 'NODE_NOT_FOUND' });
  });
});
