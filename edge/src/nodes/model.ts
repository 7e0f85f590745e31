// Read models of nodes at the edge: inputs, list and detail DTOs.
import { NODE_KINDS } from '@weltgewebe/db/schema';
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

export interface NodeListItem {
  id: string;
  kind: (typeof NODE_KINDS)[number];
  title: string;
  summary: string;
  address: string;
  topics: string[];
  lat: number;
  lon: number;
  startsAt: string | null;
  endsAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export const nodeByIdInput = z.object({ id: z.string().uuid('Ungültige Knoten-ID.') });

/** One node as its detail page shows it: the list fields, its body, creator and live threads. */
export interface NodeDetail extends NodeListItem {
  body: string;
  createdBy: string;
  liveThreads: number;
}
