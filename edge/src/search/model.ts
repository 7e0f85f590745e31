// search.query: one autocomplete call answers with places (gazetteer) and nodes (full text).
import type { NodeKind } from '@weltgewebe/events/domain';
import { z } from 'zod';

export const searchInput = z.object({
  q: z
    .string()
    .trim()
    .min(1, 'Bitte einen Suchbegriff eingeben.')
    .max(200, 'Der Suchbegriff ist zu lang (höchstens 200 Zeichen).'),
  /** Where the map is: nearer places and nodes rank higher. */
  near: z
    .object({ lat: z.number().min(-85).max(85), lon: z.number().min(-180).max(180) })
    .optional(),
  /** Per list (places and nodes each). */
  limit: z.number().int().min(1).max(20).default(5),
});

export type SearchInput = z.infer<typeof searchInput>;

export interface PlaceHit {
  id: string;
  name: string;
  /** GeoNames' own name when `name` is the German one (Munich for München), else ''. */
  altName: string;
  country: string;
  population: number;
  lat: number;
  lon: number;
}

export interface NodeHit {
  id: string;
  kind: NodeKind;
  title: string;
  summary: string;
  topics: string[];
  lat: number;
  lon: number;
}

export interface SearchResult {
  places: PlaceHit[];
  nodes: NodeHit[];
}
