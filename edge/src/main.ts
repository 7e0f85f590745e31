// Edge process: reads, tiles and forwarded commands on PORT (default 3001).
import { createPool } from '@weltgewebe/db/client';
import { connectNats, type NatsConnection } from '@weltgewebe/events/jetstream';
import { createJwtVerifier, createLogger, createServiceMetrics } from '@weltgewebe/infra/kit';
import { createEdge } from './app.ts';
import { createCoreClient } from './core-client.ts';
import { loadEdgeEnv } from './env.ts';
import { startInvalidationConsumer } from './tiles/invalidation-consumer.ts';

const env = loadEdgeEnv();
const log = createLogger('edge', { level: env.LOG_LEVEL });
const sql = createPool(env.EDGE_DATABASE_REPLICA_URL ?? env.EDGE_DATABASE_URL, {
  applicationName: 'edge',
  max: 20,
});
const verifier = createJwtVerifier({
  issuer: env.OIDC_ISSUER,
  audience: env.OIDC_AUDIENCE,
  roleClaimPath: env.ROLE_CLAIM_PATH,
});
let nc: NatsConnection | null = null;
const edge = createEdge({
  sql,
  core: createCoreClient(env.CORE_URL, env.CORE_TIMEOUT_MS),
  verifier,
  log,
  metrics: createServiceMetrics('edge'),
  authRequiredForRead: env.AUTH_REQUIRED_FOR_READ,
  allowedOrigins: env.ALLOWED_ORIGINS,
  tileCacheBytes: env.TILE_CACHE_BYTES,
  // Readiness is the database only: with NATS or the core away the edge still serves reads.
  checks: { database: () => sql`SELECT 1` },
});

// Reads keep working while NATS is away; without events the cache is not kept (no stale tiles).
let consumer: { stop(): Promise<void> } | null = null;
(async () => {
  for (;;) {
    try {
      nc = await connectNats(env.NATS_URL, 'weltgewebe-edge');
      consumer = startInvalidationConsumer(nc, edge.tiles.cache, log);
      log.info('edge connected to NATS');
      return;
    } catch (error) {
      log.warn('NATS not reachable, retrying', { error: String(error) });
      await Bun.sleep(2_000);
    }
  }
})();

const server = Bun.serve({
  port: env.PORT,
  hostname: '0.0.0.0',
  fetch: edge.handle,
  idleTimeout: 60,
});
log.info('edge listening', { port: server.port });

const stop = async () => {
  log.info('edge stopping');
  await server.stop();
  await consumer?.stop();
  await nc?.drain().catch(() => {});
  await sql.end({ timeout: 5 });
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
