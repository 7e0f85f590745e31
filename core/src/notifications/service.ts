// The signed-in account's notifications (rows written by the notifier worker): newest
// first, keyset-paginated, and marking them read. Other people's rows are never touched.
import type { AuthIdentity } from '@weltgewebe/kit';
import { ensureAccount } from '../accounts/provision.ts';
import type { Tx } from '../outbox/write-event.ts';
import type { CoreServices } from '../services.ts';
import {
  type ListNotificationsInput,
  type MarkReadInput,
  type NotificationPage,
  type NotificationRow,
  toNotificationDTO,
} from './model.ts';

async function accountIdOf(sql: Tx, subject: string): Promise<string | null> {
  const [row] = await sql<{ id: string }[]>`SELECT id FROM accounts WHERE subject = ${subject}`;
  return row?.id ?? null;
}

async function unreadCount(sql: Tx, accountId: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM notifications WHERE account_id = ${accountId} AND read_at IS NULL`;
  return row!.n;
}

export async function listNotifications(
  services: CoreServices,
  identity: AuthIdentity,
  input: ListNotificationsInput,
): Promise<NotificationPage> {
  // One snapshot for the page and the unread count.
  return await services.sql.begin('read only', async (sql) => {
    // A person without a Garnrolle yet has no notifications; a read does not create one.
    const accountId = await accountIdOf(sql, identity.subject);
    if (!accountId) return { items: [], nextCursor: null, unread: 0 };
    const after = input.cursor
      ? sql`AND (created_at, id) < (SELECT created_at, id FROM notifications
          WHERE id = ${input.cursor} AND account_id = ${accountId})`
      : sql``;
    const unread = input.unreadOnly ? sql`AND read_at IS NULL` : sql``;
    const rows = await sql<NotificationRow[]>`
      SELECT id, kind, node_id, text, created_at, read_at FROM notifications
      WHERE account_id = ${accountId} ${unread} ${after}
      ORDER BY created_at DESC, id DESC
      LIMIT ${input.limit + 1}`;
    const page = rows.slice(0, input.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toNotificationDTO),
      nextCursor: rows.length > input.limit && last ? last.id : null,
      unread: await unreadCount(sql, accountId),
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
    const marked = await tx`
      UPDATE notifications SET read_at = ${services.now()}
      WHERE account_id = ${account.id} AND id = ANY(${input.ids}::uuid[]) AND read_at IS NULL`;
    return { marked: marked.count, unread: await unreadCount(tx, account.id) };
  });
}
