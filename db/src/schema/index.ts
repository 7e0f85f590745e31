// Pure schema entry point: table definitions and domain constants, never a connection.
export * from './tables.ts';

export const TOPICS = [
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

/** H3 resolutions stored on nodes/accounts and rolled up for low-zoom tiles. */
export const H3_RESOLUTIONS = [3, 5, 7, 9] as const;
export const THREAD_LIFETIME_HOURS = 168;
export const MAX_LIVE_NODES_PER_ACCOUNT = 1000;
