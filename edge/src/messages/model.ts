// Input of a node's conversation at the edge; its items are the shared MessageDTO
// (@weltgewebe/db/dto): messages in order, tombstones without text.
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
