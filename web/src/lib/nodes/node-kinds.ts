// The kinds and topics of Knoten and their limits (declared once in @weltgewebe/events/domain; the rules in core/README.md)
// with their map colours; names come from the i18n dictionaries (kind.* and topic.*).
import {
  MESSAGE_MAX_CHARS,
  NODE_KINDS,
  NODE_LIMITS,
  type NodeKind,
  TOPICS,
  type Topic,
} from '@weltgewebe/events/domain';
import { t } from '$lib/i18n/i18n.svelte';

export type { NodeKind };
export type NodeTopic = Topic;
export const nodeKinds = NODE_KINDS;
export const nodeTopics = TOPICS;

export const nodeKindColors: Record<NodeKind, string> = {
  place: '#2563eb',
  resource: '#16a34a',
  project: '#d97706',
  event: '#db2777',
};

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

export const nodeLimits = { ...NODE_LIMITS, message: MESSAGE_MAX_CHARS } as const;
