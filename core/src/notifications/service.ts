// The signed-in account's notifications (rows written by the notifier worker): newest
// first, keyset-paginated, and marking them read. Other people's rows are never touched.
import { drizzleOn } from '@weltgewebe/db/client';
import { accounts, notifications } from '@weltgewebe/db/schema';
import type { AuthIdentity } from '@weltgewebe/kit';
import { and, count, desc, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import { ensureAccount } from '../accounts/provision.ts';
import type { Tx } from '../outbox/write-event.ts';
import type { CoreServices } from '../services.ts';
import {
  type ListNotificationsInput,
  type MarkReadInput,
  type NotificationPage,
  notificationFields,
  toNotificationDTO,
} from './model.ts';

async function accountIdOf(tx: Tx, subject: string): Promise<string | null> {
  const [row] = await drizzleOn(tx)
    .select({ id: accounts.id })
    .from(accounts)
    .where(eq(accounts.subject, subject));
  return row?.id ?? null;
}

async function unreadCount(tx: Tx, accountId: string): Promise<number> {
  const [row] = await drizzleOn(tx)
    .select({ n: count() })
    .from(notifications)
    .where(and(eq(notifications.accountId, accountId), isNull(notifications.readAt)));
  return row!.n;
}

export async function listNotifications(
  services: CoreServices,
  identity: AuthIdentity,
  input: ListNotificationsInput,
): Promise<NotificationPage> {
  // One snapshot for the page and the unread count.
  return await services.sql.begin('read only', async (tx) => {
    // A person without a Garnrolle yet has no notifications; a read does not create one.
    const accountId = await accountIdOf(tx, identity.subject);
    if (!accountId) return { items: [], nextCursor: null, unread: 0 };
    const db = drizzleOn(tx);
    const mine = eq(notifications.accountId, accountId);
    // The cursor row's (created_at, id) stays in the database: a Date would drop microseconds.
    const afterCursor = (cursor: string) =>
      lt(
        sql`(${notifications.createdAt}, ${notifications.id})`,
        db
          .select({ createdAt: notifications.createdAt, id: notifications.id })
          .from(notifications)
          .where(and(eq(notifications.id, cursor), mine)),
      );
    const rows = await db
      .select(notificationFields)
      .from(notifications)
      .where(
        and(
          mine,
          input.unreadOnly ? isNull(notifications.readAt) : undefined,
          input.cursor ? afterCursor(input.cursor) : undefined,
        ),
      )
      .orderBy(desc(notifications.createdAt), desc(notifications.id))
      .limit(input.limit + 1);
    const page = rows.slice(0, input.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toNotificationDTO),
      nextCursor: rows.length > input.limit && last ? last.id : null,
      unread: await unreadCount(tx, accountId),
    };
  });
}

/** Marks the caller's own notifications read; ids of others or unknown ids are ignored. */
export async function markNotificationsRead(
  services: CoreServices,
  identity: AuthIdentity,
  input: MarkReadInput,
): Promise<{ marked: number; unread: number }> {
  return await services.sql.begin(async (tx) => {
    const account = await ensureAccount(tx, identity);
    const marked = await drizzleOn(tx)
      .update(notifications)
      .set({ readAt: services.now() })
      .where(
        and(
          eq(notifications.accountId, account.id),
          inArray(notifications.id, input.ids),
          isNull(notifications.readAt),
        ),
      );
    return { marked: marked.count, unread: await unreadCount(tx, account.id) };
  });
}
