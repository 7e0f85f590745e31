// Node input schemas (domain.md limits) and the NodeDTO every API returns.
import { NODE_KINDS, TOPICS } from '@weltgewebe/db/schema';
import { z } from 'zod';

export const nodeKind = z.enum(NODE_KINDS);
export const topic = z.enum(TOPICS);

const fields = {
  kind: nodeKind,
  title: z.string().trim().min(1, 'Titel fehlt.').max(120, 'Höchstens 120 Zeichen.'),
  summary: z.string().trim().max(500, 'Höchstens 500 Zeichen.').default(''),
  body: z.string().max(20_000, 'Höchstens 20.000 Zeichen.').default(''),
  address: z.string().trim().max(500, 'Höchstens 500 Zeichen.').default(''),
  topics: z
    .array(topic)
    .max(4, 'Höchstens 4 Themen.')
    .default([])
    .refine((t) => new Set(t).size === t.length, 'Jedes Thema nur einmal.'),
  lat: z.number().min(-85, 'Breite zwischen −85 und 85.').max(85, 'Breite zwischen −85 und 85.'),
  lon: z
    .number()
    .min(-180, 'Länge zwischen −180 und 180.')
    .max(180, 'Länge zwischen −180 und 180.'),
  startsAt: z.string().datetime({ offset: true }).nullish(),
  endsAt: z.string().datetime({ offset: true }).nullish(),
};

export const createNodeInput = z
  .object({ operationId: z.string().uuid('operationId muss eine UUID sein.'), ...fields })
  .superRefine((v, ctx) => {
    if (v.kind === 'event' && !v.startsAt) {
      ctx.addIssue({
        code: 'custom',
        path: ['startsAt'],
        message: 'Eine Veranstaltung braucht einen Beginn.',
      });
    }
    if (v.startsAt && v.endsAt && Date.parse(v.endsAt) < Date.parse(v.startsAt)) {
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'Das Ende liegt vor dem Beginn.' });
    }
  });

export type CreateNodeInput = z.infer<typeof createNodeInput>;

export interface NodeDTO {
  id: string;
  kind: z.infer<typeof nodeKind>;
  title: string;
  summary: string;
  body: string;
  address: string;
  topics: string[];
  lat: number;
  lon: number;
  startsAt: string | null;
  endsAt: string | null;
  version: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface NodeRow {
  id: string;
  kind: NodeDTO['kind'];
  title: string;
  summary: string;
  body: string;
  address: string;
  topics: string[];
  lat: number;
  lon: number;
  starts_at: Date | null;
  ends_at: Date | null;
  version: number;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export function toNodeDTO(r: NodeRow): NodeDTO {
  return {
    id: r.id,
    kind: r.kind,
    title: r.title,
    summary: r.summary,
    body: r.body,
    address: r.address,
    topics: r.topics,
    lat: r.lat,
    lon: r.lon,
    startsAt: r.starts_at?.toISOString() ?? null,
    endsAt: r.ends_at?.toISOString() ?? null,
    version: r.version,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}
