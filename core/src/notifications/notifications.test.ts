// notifications.list / markRead for the signed-in account; rows are written here directly
// (the notifier worker writes them in production).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { TRPCClientError } from '@trpc/client';
import { type CoreHarness, startCoreHarness } from '../testing/core-harness.ts';

let h: CoreHarness;
beforeAll(async () => {
  h = await startCoreHarness();
});
afterAll(async () => {
  await h.stop();
});

async function notify(accountId: string, text: string, at: Date) {
  const [row] = await h.sql<{ id: string }[]>`
    INSERT INTO notifications (account_id, event_id, kind, text, created_at)
    VALUES (${accountId}, ${crypto.randomUUID()}, 'message.posted', ${text}, ${at}) RETURNING id`;
  return row!.id;
}

describe('notifications', () => {
  test('list: own notifications newest first, page by page, with the unread count', async () => {
    const reader = await h.clientAs('reader');
    const weaver = await h.clientAs('weaver');
    const readerId = (await reader.accounts.me.query()).id;
    const weaverId = (await weaver.accounts.me.query()).id;
    const base = Date.now() - 60_000;
    for (let i = 0; i < 5; i++) await notify(readerId, `Nachricht ${i}`, new Date(base + i * 1000));
    // Same instant twice: the keyset must not lose either.
    await notify(readerId, 'Gleichzeitig A', new Date(base + 10_000));
    await notify(readerId, 'Gleichzeitig B', new Date(base + 10_000));
    await notify(weaverId, 'Nicht für Rike', new Date(base));

    const first = await reader.notifications.list.query({ limit: 4 });
    expect(first.unread).toBe(7);
    expect(first.items.length).toBe(4);
    expect(first.nextCursor).not.toBeNull();
    const second = await reader.notifications.list.query({ limit: 4, cursor: first.nextCursor });
    expect(second.nextCursor).toBeNull();
    const texts = [...first.items, ...second.items].map((n) => n.text);
    expect(texts.slice(2)).toEqual([
      'Nachricht 4',
      'Nachricht 3',
      'Nachricht 2',
      'Nachricht 1',
      'Nachricht 0',
    ]);
    expect(texts.slice(0, 2).sort()).toEqual(['Gleichzeitig A', 'Gleichzeitig B']);
    expect(texts).not.toContain('Nicht für Rike');
    expect((await reader.notifications.list.query()).items.length).toBe(7);
  });

  test('markRead: own rows only, twice changes nothing more', async () => {
    const reader = await h.clientAs('reader');
    const weaver = await h.clientAs('weaver');
    const mine = (await reader.notifications.list.query({ limit: 2 })).items.map((n) => n.id);
    const theirs = (await weaver.notifications.list.query()).items.map((n) => n.id);
    expect(theirs.length).toBe(1);
    const result = await reader.notifications.markRead.mutate({ ids: [...mine, ...theirs] });
    expect(result).toEqual({ marked: 2, unread: 5 });
    expect(await reader.notifications.markRead.mutate({ ids: mine })).toEqual({
      marked: 0,
      unread: 5,
    });
    const [other] = await h.sql`SELECT read_at FROM notifications WHERE id = ${theirs[0]!}`;
    expect(other!.read_at).toBeNull();
    const unreadOnly = await reader.notifications.list.query({ unreadOnly: true });
    expect(unreadOnly.items.every((n) => n.readAt === null)).toBeTrue();
    expect(unreadOnly.items.length).toBe(5);
  });

  test('a person without a Garnrolle has an empty list; no token is UNAUTHORIZED', async () => {
    const admin = await h.clientAs('admin');
    expect(await admin.notifications.list.query()).toEqual({
      items: [],
      nextCursor: null,
      unread: 0,
    });
    const anonymous = h.clientFor(null);
    for (const call of [
      () => anonymous.notifications.list.query(),
      () => anonymous.notifications.markRead.mutate({ ids: [crypto.randomUUID()] }),
    ]) {
      const error = (await call().catch((e: unknown) => e)) as TRPCClientError<never>;
      expect(error.data).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });
    }
  });
});
