// Relay process: outbox → JetStream stream GEWEBE; health and metrics on RELAY_PORT.
import { createPool } from '@weltgewebe/db/client';
import {
  connectNats,
  DEFAULT_STREAM,
  ensureStreamPatiently,
  jetstream,
} from '@weltgewebe/events/jetstream';
import {
  createLogger,
  createServiceMetrics,
  releaseVersion,
  serviceEndpoints,
} from '@weltgewebe/kit';
import { CORE_VERSION, loadCoreEnv } from './env.ts';
import { OutboxRelay } from './outbox/relay.ts';

const env = loadCoreEnv();
const log = createLogger('relay', { level: env.LOG_LEVEL });
const sql = createPool(env.CORE_DATABASE_URL, { applicationName: 'relay', max: 3 });
const nc = await connectNats(env.NATS_URL, 'weltgewebe-relay');
await ensureStreamPatiently(
  nc,
  { ...DEFAULT_STREAM, replicas: env.NATS_STREAM_REPLICAS },
  (error) => log.warn('stream not ready, retrying', { error: String(error) }),
);
const metrics = createServiceMetrics('relay');
const published = metrics.counter(
  'weltgewebe_outbox_published_total',
  'Events published from the outbox',
);
const pendingGauge = metrics.gauge('weltgewebe_outbox_pending', 'Outbox rows not yet published');
const oldestGauge = metrics.gauge(
  'weltgewebe_outbox_oldest_pending_seconds',
  'Age of the oldest outbox row not yet published (0 when none): the outbox lag',
);
const relay = new OutboxRelay({
  sql,
  js: jetstream(nc),
  log,
  onPublished: (n) => published.inc(n),
});
await relay.start();
// Back from an outage: publish what piled up now, not after the current backoff.
void (async () => {
  for await (const status of nc.status()) if (status.type === 'reconnect') relay.publishNow();
})();

const endpoints = serviceEndpoints({
  service: 'relay',
  version: releaseVersion(CORE_VERSION),
  registry: metrics.registry,
  checks: {
    database: () => sql`SELECT 1`,
    nats: async () => {
      if (nc.isClosed()) throw new Error('closed');
      await nc.flush();
    },
  },
});
const pendingTimer = setInterval(async () => {
  try {
    const [row] = await sql<{ n: number; age: number }[]>`
      SELECT count(*)::int AS n,
             coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS age
        FROM outbox WHERE published_at IS NULL`;
    pendingGauge.set(row?.n ?? 0);
    oldestGauge.set(row?.age ?? 0);
  } catch (error) {
    // The gauge keeps its last value; the database being away shows in /health/ready.
    log.warn('outbox pending count failed', { error: String(error) });
  }
}, 5_000);
const server = Bun.serve({
  port: env.RELAY_PORT,
  hostname: env.HOST,
  fetch: async (req) => (await endpoints(req)) ?? new Response('not found', { status: 404 }),
});
log.info('relay running', { host: env.HOST, port: server.port });

const stop = async () => {
  clearInterval(pendingTimer);
  await relay.stop();
  await server.stop();
  await nc.drain();
  await sql.end({ timeout: 5 });
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
