// Event names, the envelope and the public payloads of every domain event. Pure: no I/O.
// Payloads never carry a private location: only public points, ids and public fields.
import { z } from 'zod';
import { MAP_STATES, NODE_KINDS, THREAD_KINDS } from './domain.ts';

export const STREAM_NAME = 'GEWEBE';
export const SUBJECT_PREFIX = 'gewebe';

const point = z.object({ lat: z.number().min(-85).max(85), lon: z.number().min(-180).max(180) });
export type PublicPoint = z.infer<typeof point>;

const nodeKind = z.enum(NODE_KINDS);
const threadKind = z.enum(THREAD_KINDS);

const nodeData = z.object({
  id: z.string().uuid(),
  kind: nodeKind,
  title: z.string(),
  topics: z.array(z.string()),
  location: point,
  version: z.number().int(),
});

const threadData = z.object({
  threadId: z.string().uuid(),
  nodeId: z.string().uuid(),
  accountId: z.string().uuid(),
  kind: threadKind,
  expiresAt: z.string(),
  /** The account's public point at spin time; null when it is not on the map. */
  from: point.nullable(),
  to: point,
});

/** Every event type with the schema of its `data`. */
export const eventPayloads = {
  'account.registered': z.object({ accountId: z.string().uuid(), displayName: z.string() }),
  'account.located': z.object({
    accountId: z.string().uuid(),
    mapState: z.enum(MAP_STATES).exclude(['not_on_map']),
    publicPoint: point,
    previousPublicPoint: point.nullable(),
  }),
  'account.hidden': z.object({
    accountId: z.string().uuid(),
    previousPublicPoint: point.nullable(),
  }),
  'node.created': nodeData,
  'node.updated': nodeData.extend({ previousLocation: point, changed: z.array(z.string()) }),
  'node.removed': z.object({ id: z.string().uuid(), location: point, version: z.number().int() }),
  'thread.spun': threadData,
  'thread.renewed': threadData,
  'thread.expired': threadData.omit({ expiresAt: true }),
  'message.posted': z.object({
    messageId: z.string().uuid(),
    nodeId: z.string().uuid(),
    authorId: z.string().uuid(),
    authorName: z.string(),
    body: z.string(),
    createdAt: z.string(),
  }),
  'message.retracted': z.object({ messageId: z.string().uuid(), nodeId: z.string().uuid() }),
  'weavery.created': z.object({
    id: z.string().uuid(),
    slug: z.string(),
    name: z.string(),
    bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  }),
  'weavery.changed': z.object({
    id: z.string().uuid(),
    slug: z.string(),
    name: z.string(),
    bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
    previousBbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  }),
  'map.viewed': z.object({ zoom: z.number().int().min(0).max(22), count: z.number().int().min(1) }),
} as const;

export type EventType = keyof typeof eventPayloads;
export const EVENT_TYPES = Object.keys(eventPayloads) as EventType[];
export type EventData<T extends EventType> = z.infer<(typeof eventPayloads)[T]>;

export interface EventEnvelope<T extends EventType = EventType> {
  id: string;
  type: T;
  occurredAt: string;
  actorId: string | null;
  aggregateId: string;
  version: number;
  data: EventData<T>;
}

export const envelopeSchema = z.object({
  id: z.string().uuid(),
  type: z.enum(EVENT_TYPES as [EventType, ...EventType[]]),
  occurredAt: z.string(),
  actorId: z.string().uuid().nullable(),
  aggregateId: z.string(),
  version: z.number().int(),
  data: z.unknown(),
});

/** `node.created` → `gewebe.node.created`. */
export function subjectFor(type: EventType): string {
  return `${SUBJECT_PREFIX}.${type}`;
}

/** Builds an envelope, validating `data` against the event's public schema. */
export function makeEnvelope<T extends EventType>(
  type: T,
  fields: {
    id: string;
    occurredAt: Date;
    actorId: string | null;
    aggregateId: string;
    version: number;
  },
  data: EventData<T>,
): EventEnvelope<T> {
  const parsed = eventPayloads[type].parse(data) as EventData<T>;
  return {
    id: fields.id,
    type,
    occurredAt: fields.occurredAt.toISOString(),
    actorId: fields.actorId,
    aggregateId: fields.aggregateId,
    version: fields.version,
    data: parsed,
  };
}

/** Parses an envelope received from the stream; throws on anything malformed. */
export function parseEnvelope(raw: unknown): EventEnvelope {
  const env = envelopeSchema.parse(raw);
  const data = eventPayloads[env.type].parse(env.data);
  return { ...env, data } as EventEnvelope;
}
