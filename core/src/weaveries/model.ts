// Weavery input schemas (GeoJSON areas with core/README.md limits), the WeaveryDTO and the stats DTO.
import type { NodeKind } from '@weltgewebe/events/domain';
import { z } from 'zod';

export const MAX_WEAVERY_VERTICES = 10_000;
/** A local community, not a country: also keeps the H3 cover at a few ten thousand cells. */
export const MAX_WEAVERY_AREA_KM2 = 100_000;
/** Aggregates never show an account count below this (core/README.md, k ≥ 5). */
export const K_ANONYMITY = 5;

const position = z.tuple([
  z.number().min(-180, 'Länge zwischen −180 und 180.').max(180, 'Länge zwischen −180 und 180.'),
  z.number().min(-85, 'Breite zwischen −85 und 85.').max(85, 'Breite zwischen −85 und 85.'),
]);

const ring = z
  .array(position)
  .min(4, 'Ein Ring braucht mindestens 4 Punkte.')
  .refine((r) => {
    const first = r[0];
    const last = r[r.length - 1];
    return !first || !last || (first[0] === last[0] && first[1] === last[1]);
  }, 'Ein Ring muss geschlossen sein (letzter Punkt = erster Punkt).');

const polygonCoordinates = z.array(ring).min(1, 'Ein Polygon braucht einen Außenring.');

export const areaInput = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('Polygon'), coordinates: polygonCoordinates }),
    z.object({
      type: z.literal('MultiPolygon'),
      coordinates: z.array(polygonCoordinates).min(1, 'Mindestens ein Polygon.'),
    }),
  ])
  .superRefine((area, ctx) => {
    if (vertexCount(area) > MAX_WEAVERY_VERTICES) {
      ctx.addIssue({
        code: 'custom',
        message: `Höchstens ${MAX_WEAVERY_VERTICES.toLocaleString('de-DE')} Punkte (es sind ${vertexCount(area).toLocaleString('de-DE')}).`,
      });
    }
  });

export type AreaInput = z.infer<typeof areaInput>;

/** The polygons of an area (a Polygon is a MultiPolygon of one). */
export function polygonsOf(area: AreaInput): [number, number][][][] {
  return area.type === 'Polygon' ? [area.coordinates] : area.coordinates;
}

/** Vertices as PostGIS counts them (ST_NPoints: closing points included). */
export function vertexCount(area: AreaInput): number {
  let n = 0;
  for (const polygon of polygonsOf(area)) for (const r of polygon) n += r.length;
  return n;
}

const name = z.string().trim().min(1, 'Name fehlt.').max(120, 'Höchstens 120 Zeichen.');
const slug = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/,
    'Nur a–z, 0–9 und Bindestriche, höchstens 64 Zeichen, nicht mit Bindestrich am Rand.',
  );
const weaveryId = z.string().uuid('Ungültige Weberei-ID.');

export const createWeaveryInput = z.object({ name, slug, area: areaInput });
export type CreateWeaveryInput = z.infer<typeof createWeaveryInput>;

export const changeWeaveryInput = z
  .object({
    id: weaveryId,
    expectedVersion: z.number().int().min(1, 'Version ab 1.'),
    name: name.optional(),
    area: areaInput.optional(),
  })
  .refine((v) => v.name !== undefined || v.area !== undefined, {
    path: ['_'],
    message: 'Keine Änderung angegeben.',
  });
export type ChangeWeaveryInput = z.infer<typeof changeWeaveryInput>;

/** One weavery, named by id or by slug. */
export const weaveryRefInput = z
  .object({ id: weaveryId.optional(), slug: slug.optional() })
  .refine((v) => (v.id === undefined) !== (v.slug === undefined), {
    path: ['_'],
    message: 'Entweder id oder slug angeben.',
  });
export type WeaveryRefInput = z.infer<typeof weaveryRefInput>;

export type BBox = [west: number, south: number, east: number, north: number];

export interface MultiPolygonGeoJSON {
  type: 'MultiPolygon';
  coordinates: [number, number][][][];
}

export interface WeaveryDTO {
  id: string;
  name: string;
  slug: string;
  area: MultiPolygonGeoJSON;
  bbox: BBox;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface WeaveryRow {
  id: string;
  name: string;
  slug: string;
  area: MultiPolygonGeoJSON;
  west: number;
  south: number;
  east: number;
  north: number;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export function toWeaveryDTO(r: WeaveryRow): WeaveryDTO {
  return {
    id: r.id,
    name: r.name,
    slug: r.slug,
    area: r.area,
    bbox: [r.west, r.south, r.east, r.north],
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** An account count for an area: exact from K_ANONYMITY on, otherwise only '<5'. */
export type KCount = number | '<5';

export interface WeaveryStatsDTO {
  weavery: { id: string; slug: string; name: string };
  nodes: { total: number; byKind: Record<NodeKind, number> };
  accountsOnMap: KCount;
  liveThreads: number;
  mostActiveNodes: {
    id: string;
    kind: NodeKind;
    title: string;
    lat: number;
    lon: number;
    liveThreads: number;
  }[];
  computedAt: string;
}
