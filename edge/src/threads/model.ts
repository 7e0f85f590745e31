// Read model of threads at the edge: the living threads of a node, with strength 0..1.
import type { ThreadKind } from '@weltgewebe/events/domain';
import { z } from 'zod';

export const threadsForNodeInput = z.object({
  nodeId: z.string().uuid('nodeId muss eine UUID sein.'),
  limit: z.number().int().min(1).max(500).default(200),
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, 'Ungültiger Cursor.')
    .nullish(),
});

export type ThreadsForNodeInput = z.infer<typeof threadsForNodeInput>;

export interface ThreadListItem {
  id: string;
  nodeId: string;
  accountId: string;
  accountName: string;
  kind: ThreadKind;
  spunAt: string;
  expiresAt: string;
  /** Remaining lifetime / 168 h at the moment of reading. */
  strength: number;
  /** The account's public point; null when it is not on the map (counted, not drawn). */
  from: { lat: number; lon: number } | null;
}
