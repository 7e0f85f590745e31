// Workers process (`bun core/src/workers/main.ts`): hex-rollup, thread-expiry, notifier and
// area alerts (mail, Web Push); health, readiness and metrics on WORKERS_PORT; stops cleanly
// on SIGINT/SIGTERM.
import { createPool } from '@weltgewebe/db/client';
import { STREAM_NAME } from '@weltgewebe/events/contracts';
import {
  connectNats,
  DEFAULT_STREAM,
  ensureStreamPatiently,
  jetstream,
  jetstreamManager,
} from '@weltgewebe/events/jetstream';
import {
  createLogger,
  createServiceMetrics,
  releaseVersion,
  serviceEndpoints,
} from '@weltgewebe/kit';
import { CORE_VERSION, loadCoreEnv, vapidOf } from '../env.ts';
import { rebuildRollups } from './hex-rollup.ts';
import { startWorkers } from './workers.ts';

const env = loadCoreEnv();
const log = createLogger('workers', { level: env.LOG_LEVEL });
const sql = createPool(env.CORE_DATABASE_URL, { applicationName: 'workers', max: 5 });
const nc = await connectNats(env.NATS_URL, 'weltgewebe-workers');
await ensureStreamPatiently(
  nc,
  { ...DEFAULT_STREAM, replicas: env.NATS_STREAM_REPLICAS },
  (error) => log.warn('stream not ready, retrying', { error: String(error) }),
);
const metrics = createServiceMetrics('workers');
// Rollups that were never built (first start on a database with nodes, or after a seed that
// wrote no events) are built once from the tables; after that, events keep them.
const [check] = await sql<{ unbuilt: boolean }[]>`
  SELECT NOT EXISTS (SELECT 1 FROM h3_rollup_members)
     AND EXISTS (SELECT 1 FROM live_nodes) AS unbuilt`;
if (check?.unbuilt)
  log.info('h3 rollups built from the tables', { ...(await rebuildRollups(sql)) });
const vapid = vapidOf(env);
const workers = await startWorkers({
  sql,
  nc,
  js: jetstream(nc),
  log,
  metrics,
  ...(env.SMTP_URL
    ? {
        smtp: {
          url: env.SMTP_URL,
          from: env.SMTP_FROM,
          siteUrl: env.PUBLIC_BASE_URL,
          alertDelayMs: env.ALERT_INSTANT_DELAY_MS,
        },
      }
    : {}),
  ...(vapid
    ? {
        push: { vapid, siteUrl: env.PUBLIC_BASE_URL, alertDelayMs: env.ALERT_INSTANT_DELAY_MS },
      }
    : {}),
});

// Consumer lag: events in the stream a durable consumer has not yet acked.
const lagGauge = metrics.gauge(
  'weltgewebe_consumer_pending_events',
  'Events not yet handled by a durable consumer (pending + unacked)',
  ['consumer'],
);
const jsm = await jetstreamManager(nc);
const lagTimer = setInterval(async () => {
  for (const consumer of workers.consumers) {
    try {
      const info = await jsm.consumers.info(STREAM_NAME, consumer.name);
      lagGauge.set({ consumer: consumer.name }, info.num_pending + info.num_ack_pending);
    } catch (error) {
      log.warn('consumer info failed', { consumer: consumer.name, error: String(error) });
    }
  }
}, 15_000);

const endpoints = serviceEndpoints({
  service: 'workers',
  version: releaseVersion(CORE_VERSION),
  registry: metrics.registry,
  checks: {
    database: () => sql`SELECT 1`,
    nats: async () => {
      if (nc.isClosed()) throw new Error('closed');
      await nc.flush();
    },
    consumers: async () => {
      if (!workers.ready()) throw new Error('not attached');
    },
  },
});
const server = Bun.serve({
  port: env.WORKERS_PORT,
  hostname: env.HOST,
  fetch: async (req) => (await endpoints(req)) ?? new Response('not found', { status: 404 }),
});
log.info('workers running', {
  host: env.HOST,
  port: server.port,
  email: Boolean(env.SMTP_URL),
  push: Boolean(vapid),
});

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  log.info('workers stopping');
  clearInterval(lagTimer);
  await workers.stop();
  await server.stop();
  await nc.drain();
  await sql.end({ timeout: 5 });
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
