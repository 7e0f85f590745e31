// notifications.* through the edge: forwarded to the core for the signed-in account.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { TRPCClientError } from '@trpc/client';
import { accessTokenFor } from '@weltgewebe/infra/testing';
import { type EdgeHarness, startEdgeHarness } from '../testing/edge-harness.ts';

let h: EdgeHarness;
beforeAll(async () => {
  h = await startEdgeHarness();
});
afterAll(async () => {
  await h.stop();
});

describe('notifications via the edge', () => {
  test('list and markRead reach the core with the caller’s identity', async () => {
    const weaver = h.client(await accessTokenFor('weaver'));
    const { id } = await weaver.accounts.me.query();
    for (const text of ['Neuer Faden an deinem Knoten', 'Neuer Beitrag an deinem Knoten'])
      await h.core.sql`INSERT INTO notifications (account_id, event_id, kind, text)
        VALUES (${id}, ${crypto.randomUUID()}, 'thread.spun', ${text})`;
    const page = await weaver.notifications.list.query();
    expect(page.items.length).toBe(2);
    expect(page.unread).toBe(2);
    const marked = await weaver.notifications.markRead.mutate({ ids: [page.items[0]!.id] });
    expect(marked).toEqual({ marked: 1, unread: 1 });
    const reader = h.client(await accessTokenFor('reader'));
    expect((await reader.notifications.list.query({ limit: 10 })).items).toEqual([]);
  });

  test('without a token: UNAUTHORIZED', async () => {
    const error = (await h
      .client(null)
      .notifications.list.query()
      .catch((e: unknown) => e)) as TRPCClientError<never>;
    expect(error.data).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });
  });
});
