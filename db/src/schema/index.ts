// Pure schema entry point: table definitions and storage constants, never a connection.
// The domain's own facts (kinds, topics, limits) live in @weltgewebe/events/domain.
export * from './tables.ts';

/** H3 resolutions stored on nodes/accounts and rolled up for low-zoom tiles. */
export const H3_RESOLUTIONS = [3, 5, 7, 9] as const;
