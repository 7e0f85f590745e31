// Drizzle mirror of db/migrations (the SQL files are the source of truth).
import {
  ALERT_CADENCES,
  ALERT_CHANNELS,
  MAP_STATES,
  NODE_KINDS,
  REPORT_OUTCOMES,
  REPORT_REASONS,
  THREAD_KINDS,
} from '@weltgewebe/events/domain';
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  doublePrecision,
  integer,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import {
  bytea,
  jsonb,
  lineString,
  lineString3857,
  multiPolygon,
  point,
  polygon,
  tsvector,
} from './column-types.ts';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const h3 = (name: string) => bigint(name, { mode: 'bigint' });

export const accounts = pgTable('accounts', {
  id: uuid('id').primaryKey().defaultRandom(),
  seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity(),
  subject: text('subject').notNull().unique(),
  displayName: text('display_name').notNull(),
  mapState: text('map_state', { enum: MAP_STATES }).notNull().default('not_on_map'),
  publicPoint: point('public_point'),
  radiusM: integer('radius_m'),
  h3r3: h3('h3_r3'),
  h3r5: h3('h3_r5'),
  h3r7: h3('h3_r7'),
  h3r9: h3('h3_r9'),
  version: integer('version').notNull().default(1),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const accountLocations = pgTable('account_locations', {
  accountId: uuid('account_id')
    .primaryKey()
    .references(() => accounts.id),
  location: point('location').notNull(),
  radiusM: integer('radius_m'),
  /** Per-account key of the derived public point (core/src/accounts/public-point.ts). */
  secret: bytea('secret').notNull(),
  /** The grid cells used recently, most recent first: a location stays in one while near it. */
  recentCells: text('recent_cells').array().notNull().default(sql`'{}'`),
  /** Set by migration 0011 on radius accounts whose point the core still has to re-derive. */
  rederive: boolean('rederive').notNull().default(false),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** Private: the token's e-mail address for notifications (core only). */
export const accountEmails = pgTable('account_emails', {
  accountId: uuid('account_id').primaryKey(),
  email: text('email').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** Per-subject command windows of the rate limit (core only). */
export const commandRateWindows = pgTable('command_rate_windows', {
  subject: text('subject').primaryKey(),
  windowStartedAt: ts('window_started_at').notNull(),
  commands: integer('commands').notNull(),
});

export const nodes = pgTable('nodes', {
  id: uuid('id').primaryKey().defaultRandom(),
  seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity(),
  kind: text('kind', { enum: NODE_KINDS }).notNull(),
  title: text('title').notNull(),
  summary: text('summary').notNull().default(''),
  body: text('body').notNull().default(''),
  address: text('address').notNull().default(''),
  topics: text('topics').array().notNull().default(sql`'{}'`),
  location: point('location').notNull(),
  h3r3: h3('h3_r3').notNull(),
  h3r5: h3('h3_r5').notNull(),
  h3r7: h3('h3_r7').notNull(),
  h3r9: h3('h3_r9').notNull(),
  startsAt: ts('starts_at'),
  endsAt: ts('ends_at'),
  createdBy: uuid('created_by')
    .notNull()
    .references(() => accounts.id),
  version: integer('version').notNull().default(1),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  removedAt: ts('removed_at'),
  hiddenAt: ts('hidden_at'),
  search: tsvector('search'),
});

export const conversations = pgTable('conversations', {
  id: uuid('id').primaryKey().defaultRandom(),
  nodeId: uuid('node_id')
    .notNull()
    .unique()
    .references(() => nodes.id),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const messages = pgTable('messages', {
  id: uuid('id').primaryKey().defaultRandom(),
  seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity(),
  conversationId: uuid('conversation_id').notNull(),
  nodeId: uuid('node_id').notNull(),
  authorId: uuid('author_id').notNull(),
  authorName: text('author_name').notNull(),
  body: text('body').notNull(),
  idempotencyKey: uuid('idempotency_key').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  retractedAt: ts('retracted_at'),
  hiddenAt: ts('hidden_at'),
});

export const threads = pgTable('threads', {
  id: uuid('id').primaryKey().defaultRandom(),
  seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity(),
  accountId: uuid('account_id').notNull(),
  nodeId: uuid('node_id').notNull(),
  kind: text('kind', { enum: THREAD_KINDS }).notNull(),
  spunAt: ts('spun_at').notNull().defaultNow(),
  expiresAt: ts('expires_at').notNull(),
  expiredAt: ts('expired_at'),
  /** Kept by triggers (0011_thread_lines.sql): public point → node while drawn, else NULL. */
  line: lineString('line'),
  /** The H3 cells (account, node) of the flows it is counted in, set with the line (0017). */
  fromR3: h3('from_r3'),
  toR3: h3('to_r3'),
});

/** Pieces of each live line in Web Mercator, for tiles from z9 (0017, kept by triggers). */
export const threadSegments = pgTable(
  'thread_segments',
  {
    threadId: uuid('thread_id').notNull(),
    part: integer('part').notNull(),
    threadSeq: bigint('thread_seq', { mode: 'number' }).notNull(),
    kind: text('kind', { enum: THREAD_KINDS }).notNull(),
    expiresAt: ts('expires_at').notNull(),
    nodeId: uuid('node_id').notNull(),
    accountId: uuid('account_id').notNull(),
    seg: lineString3857('seg').notNull(),
  },
  (t) => [primaryKey({ columns: [t.threadId, t.part] })],
);

/** Live threads per pair of H3 cells (resolution 3), for tiles below z9 (0017). */
export const threadFlows = pgTable(
  'thread_flows',
  {
    resolution: smallint('resolution').notNull(),
    fromCell: h3('from_cell').notNull(),
    toCell: h3('to_cell').notNull(),
    threads: integer('threads').notNull(),
    expiresSum: doublePrecision('expires_sum').notNull(),
    fromXSum: doublePrecision('from_x_sum').notNull(),
    fromYSum: doublePrecision('from_y_sum').notNull(),
    toXSum: doublePrecision('to_x_sum').notNull(),
    toYSum: doublePrecision('to_y_sum').notNull(),
    line: lineString3857('line'),
  },
  (t) => [primaryKey({ columns: [t.resolution, t.fromCell, t.toCell] })],
);

export const weaveries = pgTable('weaveries', {
  id: uuid('id').primaryKey().defaultRandom(),
  seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity(),
  name: text('name').notNull(),
  slug: text('slug').notNull().unique(),
  area: multiPolygon('area').notNull(),
  version: integer('version').notNull().default(1),
  createdBy: uuid('created_by'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const weaveryCells = pgTable(
  'weavery_cells',
  { weaveryId: uuid('weavery_id').notNull(), cell: h3('cell').notNull() },
  (t) => [primaryKey({ columns: [t.weaveryId, t.cell] })],
);

export const operations = pgTable('operations', {
  operationId: uuid('operation_id').primaryKey(),
  accountId: uuid('account_id').notNull(),
  command: text('command').notNull(),
  requestHash: text('request_hash').notNull(),
  result: jsonb('result').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const auditLog = pgTable('audit_log', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  actorId: uuid('actor_id'),
  action: text('action').notNull(),
  aggregateType: text('aggregate_type').notNull(),
  aggregateId: uuid('aggregate_id').notNull(),
  changes: jsonb<Record<string, unknown>>('changes').notNull().default({}),
  requestId: text('request_id'),
  occurredAt: ts('occurred_at').notNull().defaultNow(),
});

export const outbox = pgTable('outbox', {
  id: uuid('id').primaryKey(),
  seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity(),
  subject: text('subject').notNull(),
  envelope: jsonb('envelope').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  publishedAt: ts('published_at'),
  attempts: integer('attempts').notNull().default(0),
  lastError: text('last_error'),
});

/** Signed-out sessions (0013_session_revocations.sql; infra/kit/src/revocations.ts). */
export const sessionRevocations = pgTable(
  'session_revocations',
  {
    kind: text('kind', { enum: ['session', 'subject'] }).notNull(),
    key: text('key').notNull(),
    issuedBefore: ts('issued_before'),
    validUntil: ts('valid_until').notNull(),
    revokedAt: ts('revoked_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.key] })],
);

export const consumerInbox = pgTable(
  'consumer_inbox',
  {
    consumer: text('consumer').notNull(),
    eventId: uuid('event_id').notNull(),
    processedAt: ts('processed_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.consumer, t.eventId] })],
);

export const h3Rollups = pgTable(
  'h3_rollups',
  {
    resolution: smallint('resolution').notNull(),
    cell: h3('cell').notNull(),
    nodes: integer('nodes').notNull().default(0),
    nodesPlace: integer('nodes_place').notNull().default(0),
    nodesResource: integer('nodes_resource').notNull().default(0),
    nodesProject: integer('nodes_project').notNull().default(0),
    nodesEvent: integer('nodes_event').notNull().default(0),
    accounts: integer('accounts').notNull().default(0),
    threads: integer('threads').notNull().default(0),
    boundary: polygon('boundary').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.resolution, t.cell] })],
);

export const notifications = pgTable('notifications', {
  id: uuid('id').primaryKey().defaultRandom(),
  accountId: uuid('account_id').notNull(),
  eventId: uuid('event_id').notNull(),
  kind: text('kind').notNull(),
  nodeId: uuid('node_id'),
  text: text('text').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  readAt: ts('read_at'),
  emailedAt: ts('emailed_at'),
  emailAttempts: integer('email_attempts').notNull().default(0),
  emailRetryAt: ts('email_retry_at'),
  emailError: text('email_error'),
});

/** What each node, account and thread currently counts in h3_rollups (cells at res 3/5/7/9). */
export const h3RollupMembers = pgTable(
  'h3_rollup_members',
  {
    memberType: text('member_type', { enum: ['node', 'account', 'thread'] }).notNull(),
    memberId: uuid('member_id').notNull(),
    nodeKind: text('node_kind', { enum: NODE_KINDS }),
    nodeId: uuid('node_id'),
    cells: bigint('cells', { mode: 'bigint' }).array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.memberType, t.memberId] })],
);

export const places = pgTable('places', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  name: text('name').notNull(),
  country: text('country').notNull(),
  population: integer('population').notNull().default(0),
  location: point('location').notNull(),
  geonamesId: bigint('geonames_id', { mode: 'number' }).unique(),
  altName: text('alt_name').notNull().default(''),
  nameKey: text('name_key'),
  altKey: text('alt_key'),
});

const geometry3857 = (name: string) => point(name);

export const basemapShapes = pgTable('basemap_shapes', {
  id: bigint('id', { mode: 'number' }).primaryKey(),
  kind: text('kind', { enum: ['land', 'water', 'border'] }).notNull(),
  minzoom: smallint('minzoom').notNull(),
  maxzoom: smallint('maxzoom').notNull(),
  geom: geometry3857('geom').notNull(),
});

export const basemapPlaces = pgTable('basemap_places', {
  id: bigint('id', { mode: 'number' }).primaryKey(),
  kind: text('kind', { enum: ['place', 'country'] }).notNull(),
  name: text('name').notNull(),
  country: text('country').notNull().default(''),
  population: integer('population').notNull().default(0),
  minzoom: smallint('minzoom').notNull(),
  geom: geometry3857('geom').notNull(),
});

export const basemapMeta = pgTable('basemap_meta', {
  singleton: boolean('singleton').primaryKey().default(true),
  version: text('version').notNull(),
  loadedAt: ts('loaded_at').notNull().defaultNow(),
});

/** Reports of a Knoten or a message and their moderation (core only; 0015_reports.sql). */
export const reports = pgTable('reports', {
  id: uuid('id').primaryKey().defaultRandom(),
  reporterId: uuid('reporter_id').notNull(),
  nodeId: uuid('node_id').notNull(),
  messageId: uuid('message_id'),
  reason: text('reason', { enum: REPORT_REASONS }).notNull(),
  text: text('text').notNull().default(''),
  status: text('status', { enum: ['open', ...REPORT_OUTCOMES] })
    .notNull()
    .default('open'),
  createdAt: ts('created_at').notNull().defaultNow(),
  resolvedAt: ts('resolved_at'),
  resolvedBy: uuid('resolved_by'),
  resolutionNote: text('resolution_note'),
});

/** Area alerts: who watches which area or weavery, for what, how often (0016_area_alerts.sql). */
export const alertSubscriptions = pgTable('alert_subscriptions', {
  id: uuid('id').primaryKey().defaultRandom(),
  accountId: uuid('account_id').notNull(),
  area: polygon('area'),
  weaveryId: uuid('weavery_id'),
  label: text('label').notNull(),
  kinds: text('kinds').array().notNull().default(sql`'{}'`),
  topics: text('topics').array().notNull().default(sql`'{}'`),
  cadence: text('cadence', { enum: ALERT_CADENCES }).notNull(),
  channel: text('channel', { enum: ALERT_CHANNELS }).notNull().default('mail'),
  unsubscribeToken: text('unsubscribe_token').notNull().unique(),
  createdAt: ts('created_at').notNull().defaultNow(),
  lastSentAt: ts('last_sent_at'),
  /** 0020_web_push.sql: the push channel's own pace. */
  lastPushedAt: ts('last_pushed_at'),
});

/** The browsers that may show a person's alerts by Web Push (0020_web_push.sql). */
export const pushSubscriptions = pgTable('push_subscriptions', {
  id: uuid('id').primaryKey().defaultRandom(),
  accountId: uuid('account_id').notNull(),
  endpoint: text('endpoint').notNull().unique(),
  p256dh: text('p256dh').notNull(),
  auth: text('auth').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  lastSentAt: ts('last_sent_at'),
});

/** Matches of new nodes against subscriptions, waiting for (or done with) their mail. */
export const alertItems = pgTable(
  'alert_items',
  {
    subscriptionId: uuid('subscription_id').notNull(),
    nodeId: uuid('node_id').notNull(),
    eventId: uuid('event_id').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    sentAt: ts('sent_at'),
    pushedAt: ts('pushed_at'),
  },
  (t) => [primaryKey({ columns: [t.subscriptionId, t.nodeId] })],
);
