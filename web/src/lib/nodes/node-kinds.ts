// The kinds and topics of Knoten, their limits (core/README.md) and map colours; names come from
// the i18n dictionaries (kind.* and topic.*).
import { t } from '$lib/i18n/i18n.svelte';

export const nodeKinds = ['place', 'resource', 'project', 'event'] as const;
export type NodeKind = (typeof nodeKinds)[number];

export const nodeKindColors: Record<NodeKind, string> = {
  place: '#2563eb',
  resource: '#16a34a',
  project: '#d97706',
  event: '#db2777',
};

export const nodeTopics = [
  'housing',
  'food',
  'mobility',
  'energy',
  'education',
  'health',
  'nature',
  'art',
  'craft',
  'digital',
  'neighbourhood',
  'participation',
] as const;
export type NodeTopic = (typeof nodeTopics)[number];

/** The ring around a node on the map shows its first topic. */
export const nodeTopicColors: Record<NodeTopic, string> = {
  housing: '#7c3aed',
  food: '#65a30d',
  mobility: '#0891b2',
  energy: '#eab308',
  education: '#4f46e5',
  health: '#dc2626',
  nature: '#15803d',
  art: '#c026d3',
  craft: '#92400e',
  digital: '#0284c7',
  neighbourhood: '#ea580c',
  participation: '#be123c',
};

export const kindLabel = (kind: string): string =>
  (nodeKinds as readonly string[]).includes(kind) ? t(`kind.${kind as NodeKind}`) : kind;

export const topicLabel = (topic: string): string =>
  (nodeTopics as readonly string[]).includes(topic) ? t(`topic.${topic as NodeTopic}`) : topic;

export const nodeLimits = {
  title: 120,
  summary: 500,
  body: 20_000,
  address: 500,
  topics: 4,
  message: 4000,
} as const;
