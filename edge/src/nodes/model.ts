// Read models of nodes at the edge: inputs and the detail DTO; list items and the node itself
// are the shared DTOs (@weltgewebe/db/dto).
import type { NodeDTO } from '@weltgewebe/db/dto';
import { NODE_KINDS } from '@weltgewebe/events/domain';
import { z } from 'zod';

export const inBBoxInput = z
  .object({
    west: z.number().min(-180).max(180),
    south: z.number().min(-85.06).max(85.06),
    east: z.number().min(-180).max(180),
    north: z.number().min(-85.06).max(85.06),
    kinds: z.array(z.enum(NODE_KINDS)).max(4).optional(),
    limit: z.number().int().min(1).max(1000).default(200),
    cursor: z
      .string()
      .regex(/^\d{1,18}$/, 'Ungültiger Cursor.')
      .nullish(),
  })
  .refine((b) => b.south <= b.north, {
    path: ['south'],
    message: 'Süden liegt nördlich von Norden.',
  });

export type InBBoxInput = z.infer<typeof inBBoxInput>;

export const nodeByIdInput = z.object({ id: z.string().uuid('Ungültige Knoten-ID.') });

/** One node as its detail page shows it: the whole node and its live threads. */
export interface NodeDetail extends NodeDTO {
  liveThreads: number;
}
