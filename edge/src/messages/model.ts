// Read model of a node's conversation at the edge: messages in order, tombstones without text.
import { z } from 'zod';

export const listMessagesInput = z.object({
  nodeId: z.string().uuid('nodeId muss eine UUID sein.'),
  limit: z.number().int().min(1).max(200).default(50),
  /** Messages after this one (its `seq`), oldest first. */
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, 'Ungültiger Cursor.')
    .nullish(),
});

export type ListMessagesInput = z.infer<typeof listMessagesInput>;

export interface MessageListItem {
  id: string;
  nodeId: string;
  authorId: string;
  authorName: string;
  /** null for a tombstone: retracted by its author or hidden by moderation. */
  body: string | null;
  retracted: boolean;
  hidden: boolean;
  createdAt: string;
  retractedAt: string | null;
}
