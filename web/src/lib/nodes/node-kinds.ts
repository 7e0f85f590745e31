// The kinds of Knoten and their German names and map colours (shared by map and forms).
export const nodeKinds = ['place', 'resource', 'project', 'event'] as const;
export type NodeKind = (typeof nodeKinds)[number];

export const nodeKindLabels: Record<NodeKind, string> = {
  place: 'Ort',
  resource: 'Ressource',
  project: 'Projekt',
  event: 'Veranstaltung',
};

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

export const nodeTopicLabels: Record<NodeTopic, string> = {
  housing: 'Wohnen',
  food: 'Essen',
  mobility: 'Mobilität',
  energy: 'Energie',
  education: 'Bildung',
  health: 'Gesundheit',
  nature: 'Natur',
  art: 'Kunst',
  craft: 'Handwerk',
  digital: 'Digitales',
  neighbourhood: 'Nachbarschaft',
  participation: 'Beteiligung',
};

export const nodeLimits = { title: 120, summary: 500 } as const;
