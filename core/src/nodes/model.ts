// Node input schemas (core/README.md limits) and the DTOs only commands return; the node DTO
// itself and its row mapping are shared with the edge (@weltgewebe/db/dto).
import type { NodeDTO } from '@weltgewebe/db/dto';
import { NODE_KINDS, NODE_LIMITS, TOPICS } from '@weltgewebe/events/domain';
import { z } from 'zod';

export const nodeKind = z.enum(NODE_KINDS);
export const topic = z.enum(TOPICS);

const atMostChars = (n: number) => `Höchstens ${n.toLocaleString('de-DE')} Zeichen.`;

// PostgreSQL text cannot hold NUL; refusing it here keeps such input a field error, not a 500.
const noNul = (s: string) => !s.includes('\u0000');
const NUL_MESSAGE = 'Das Zeichen NUL ist nicht erlaubt.';

/** The limits of every node field, shared by create and update (no defaults here). */
const limits = {
  kind: nodeKind,
  title: z
    .string()
    .trim()
    .min(1, 'Titel fehlt.')
    .max(NODE_LIMITS.title, atMostChars(NODE_LIMITS.title))
    .refine(noNul, NUL_MESSAGE),
  summary: z
    .string()
    .trim()
    .max(NODE_LIMITS.summary, atMostChars(NODE_LIMITS.summary))
    .refine(noNul, NUL_MESSAGE),
  body: z.string().max(NODE_LIMITS.body, atMostChars(NODE_LIMITS.body)).refine(noNul, NUL_MESSAGE),
  address: z
    .string()
    .trim()
    .max(NODE_LIMITS.address, atMostChars(NODE_LIMITS.address))
    .refine(noNul, NUL_MESSAGE),
  topics: z
    .array(topic)
    .max(NODE_LIMITS.topics, `Höchstens ${NODE_LIMITS.topics} Themen.`)
    .refine((t) => new Set(t).size === t.length, 'Jedes Thema nur einmal.'),
  lat: z.number().min(-85, 'Breite zwischen −85 und 85.').max(85, 'Breite zwischen −85 und 85.'),
  lon: z
    .number()
    .min(-180, 'Länge zwischen −180 und 180.')
    .max(180, 'Länge zwischen −180 und 180.'),
  startsAt: z.string().datetime({ offset: true }).nullable(),
  endsAt: z.string().datetime({ offset: true }).nullable(),
};

const operationId = z.string().uuid('operationId muss eine UUID sein.');
const nodeId = z.string().uuid('Ungültige Knoten-ID.');
const expectedVersion = z.number().int().min(1, 'Version ab 1.');

function endsNotBeforeStart(
  v: { startsAt?: string | null; endsAt?: string | null },
  ctx: z.RefinementCtx,
) {
  if (v.startsAt && v.endsAt && Date.parse(v.endsAt) < Date.parse(v.startsAt)) {
    ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'Das Ende liegt vor dem Beginn.' });
  }
}

export const createNodeInput = z
  .object({
    operationId,
    kind: limits.kind,
    title: limits.title,
    summary: limits.summary.default(''),
    body: limits.body.default(''),
    address: limits.address.default(''),
    topics: limits.topics.default([]),
    lat: limits.lat,
    lon: limits.lon,
    startsAt: limits.startsAt.optional(),
    endsAt: limits.endsAt.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.kind === 'event' && !v.startsAt) {
      ctx.addIssue({
        code: 'custom',
        path: ['startsAt'],
        message: 'Eine Veranstaltung braucht einen Beginn.',
      });
    }
    endsNotBeforeStart(v, ctx);
  });

export type CreateNodeInput = z.infer<typeof createNodeInput>;

/** Fields an edit may change; `startsAt`/`endsAt` may be set to null to clear them. */
export const EDITABLE_NODE_FIELDS = [
  'kind',
  'title',
  'summary',
  'body',
  'address',
  'topics',
  'lat',
  'lon',
  'startsAt',
  'endsAt',
] as const;

export const updateNodeInput = z
  .object({
    id: nodeId,
    expectedVersion,
    operationId,
    kind: limits.kind.optional(),
    title: limits.title.optional(),
    summary: limits.summary.optional(),
    body: limits.body.optional(),
    address: limits.address.optional(),
    topics: limits.topics.optional(),
    lat: limits.lat.optional(),
    lon: limits.lon.optional(),
    startsAt: limits.startsAt.optional(),
    endsAt: limits.endsAt.optional(),
  })
  .superRefine((v, ctx) => {
    if (!EDITABLE_NODE_FIELDS.some((f) => v[f] !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['_'], message: 'Keine Änderung angegeben.' });
    }
    endsNotBeforeStart(v, ctx);
  });

export type UpdateNodeInput = z.infer<typeof updateNodeInput>;

export const removeNodeInput = z.object({ id: nodeId, expectedVersion, operationId });
export type RemoveNodeInput = z.infer<typeof removeNodeInput>;

export const hideNodeInput = z.object({ id: nodeId, hidden: z.boolean() });
export type HideNodeInput = z.infer<typeof hideNodeInput>;

/** The answer to a removal: the tombstone's id, its final version and where it was. */
export interface RemovedNodeDTO {
  id: string;
  version: number;
  removedAt: string;
  lat: number;
  lon: number;
}

/** What moderation sees: the node and whether (since when) it is hidden. */
export interface ModeratedNodeDTO extends NodeDTO {
  hiddenAt: string | null;
}
