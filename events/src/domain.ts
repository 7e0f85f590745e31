// The fixed facts of the domain (core/README.md), declared once: kinds, topics, map states, the radius ladder,
// field limits and the thread lifetime. Pure constants without imports, so the web can bundle
// them. zod schemas (events, core, edge) derive from these; the SQL CHECK constraints cannot
// import them, so db/src/schema/domain-checks.test.ts holds the migrations to exactly these values.

export const NODE_KINDS = ['place', 'resource', 'project', 'event'] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

export const THREAD_KINDS = ['knotting', 'participation', 'conversation'] as const;
export type ThreadKind = (typeof THREAD_KINDS)[number];

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
export type Topic = (typeof TOPICS)[number];

export const MAP_STATES = ['not_on_map', 'exact', 'radius'] as const;
export type MapState = (typeof MAP_STATES)[number];

/** The radii a Garnrolle may be shown with, in metres (core/README.md: a fixed ladder). */
export const RADIUS_LADDER_M = [50, 100, 250, 500, 1000, 2500, 5000] as const;
export const RADIUS_MIN_M: number = RADIUS_LADDER_M[0];
export const RADIUS_MAX_M: number = RADIUS_LADDER_M[RADIUS_LADDER_M.length - 1]!;
export const RADIUS_DEFAULT_M = 250;

/** Characters per node field, and how many topics a node may carry. */
export const NODE_LIMITS = {
  title: 120,
  summary: 500,
  body: 20_000,
  address: 500,
  topics: 4,
} as const;

/** Characters of one message (a live one has at least one). */
export const MESSAGE_MAX_CHARS = 4000;

/** Characters of a display name (a Garnrolle's, and a message author's at posting time). */
export const DISPLAY_NAME_MAX_CHARS = 120;

/** A thread lives this long after it was spun (or renewed); its strength fades linearly. */
export const THREAD_LIFETIME_HOURS = 168;

/** Live (not removed) nodes one account may have created. */
export const MAX_LIVE_NODES_PER_ACCOUNT = 1000;

/** Why a Knoten or a message may be reported (the list a reporter picks from). */
export const REPORT_REASONS = [
  'spam',
  'harassment',
  'illegal',
  'misleading',
  'privacy',
  'wrong_place',
  'other',
] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

/** Characters of a report's free text and of a moderator's note. */
export const REPORT_TEXT_MAX_CHARS = 1000;

/** Reports one account may file within 24 hours (more is TOO_MANY_REQUESTS). */
export const REPORTS_PER_DAY = 10;

/** What a moderator does with a report: hide the reported thing, or dismiss the report. */
export const REPORT_OUTCOMES = ['hidden', 'dismissed'] as const;
export type ReportOutcome = (typeof REPORT_OUTCOMES)[number];

/** How often area alerts arrive: soon after a match (batched), or once a day as a digest. */
export const ALERT_CADENCES = ['instant', 'daily'] as const;
export type AlertCadence = (typeof ALERT_CADENCES)[number];

/** How area alerts arrive: by e-mail, by Web Push to the person's browsers, or both. */
export const ALERT_CHANNELS = ['mail', 'push', 'both'] as const;
export type AlertChannel = (typeof ALERT_CHANNELS)[number];

/** Browsers (push endpoints) one account may register for alerts. */
export const PUSH_SUBSCRIPTIONS_MAX = 20;

/** Alert subscriptions one account may hold. */
export const ALERT_SUBSCRIPTIONS_MAX = 50;

/** The largest area (degrees of latitude and of longitude) an alert may watch: a region, not the world. */
export const ALERT_AREA_MAX_DEGREES = 2;
