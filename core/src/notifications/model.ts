// Notification list/markRead inputs and the DTO of one in-app notification.
import { notifications } from '@weltgewebe/db/schema';
import { z } from 'zod';

/** Keyset cursor: the id of the last item of the previous page. */
const cursor = z.string().uuid('Ungültiger Cursor.');

export const listNotificationsInput = z
  .object({
    cursor: cursor.nullish(),
    limit: z.number().int().min(1).max(100).default(30),
    unreadOnly: z.boolean().default(false),
  })
  .default({ limit: 30, unreadOnly: false });

export const markReadInput = z.object({
  ids: z
    .array(z.string().uuid('Jede id muss eine UUID sein.'))
    .min(1, 'Mindestens eine id.')
    .max(200, 'Höchstens 200 ids auf einmal.'),
});

export type ListNotificationsInput = z.infer<typeof listNotificationsInput>;
export type MarkReadInput = z.infer<typeof markReadInput>;

export interface NotificationDTO {
  id: string;
  kind: string;
  nodeId: string | null;
  text: string;
  createdAt: string;
  readAt: string | null;
}

export interface NotificationPage {
  items: NotificationDTO[];
  nextCursor: string | null;
  unread: number;
}

/** The columns a notification is read with (a Drizzle selection). */
export const notificationFields = {
  id: notifications.id,
  kind: notifications.kind,
  nodeId: notifications.nodeId,
  text: notifications.text,
  createdAt: notifications.createdAt,
  readAt: notifications.readAt,
};

export interface NotificationRow {
  id: string;
  kind: string;
  nodeId: string | null;
  text: string;
  createdAt: Date;
  readAt: Date | null;
}

export function toNotificationDTO(r: NotificationRow): NotificationDTO {
  return {
    id: r.id,
    kind: r.kind,
    nodeId: r.nodeId,
    text: r.text,
    createdAt: r.createdAt.toISOString(),
    readAt: r.readAt?.toISOString() ?? null,
  };
}
