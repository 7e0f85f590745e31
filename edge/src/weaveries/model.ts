// Read models of weaveries at the edge: inputs and the public DTO (name, slug, bbox, area).
import { z } from 'zod';

export const weaveryRefInput = z
  .object({
    id: z.string().uuid('Ungültige Weberei-ID.').optional(),
    slug: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'Ungültiger Kurzname.')
      .optional(),
  })
  .refine((v) => (v.id === undefined) !== (v.slug === undefined), {
    path: ['_'],
    message: 'Entweder id oder slug angeben.',
  });

export type WeaveryRefInput = z.infer<typeof weaveryRefInput>;

export interface WeaveryView {
  id: string;
  name: string;
  slug: string;
  /** [west, south, east, north] */
  bbox: [number, number, number, number];
  area: { type: 'MultiPolygon'; coordinates: [number, number][][][] };
  version: number;
}
