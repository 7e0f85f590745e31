// Edge process: reads, tiles and forwarded commands on PORT (default 3001).
import { createPool } from '@weltgewebe/db/client';
import { connectNats, type NatsConnection } from '@weltgewebe/events/jetstream';
import { createJwtVerifier, createLogger, createServiceMetrics } from '@weltgewebe/kit';
import { createEdge } from './app.ts';
import { createCoreClient } from './core-client.ts';
import { loadEdgeEnv } from './env.ts';
import { startLiveFeed } from './live/live-feed.ts';
import { parseTrustedProxies } from './protection/client-ip.ts';
import { startInvalidationConsumer } from './tiles/invalidation-consumer.ts';

const env = loadEdgeEnv();
// A bad TRUSTED_PROXIES entry stops the start, like any other invalid setting.
parseTrustedProxies(env.TRUSTED_PROXIES);
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
  publicOrigin: env.PUBLIC_ORIGIN,
  protection: {
    readsPerMinute: env.READS_PER_MINUTE_PER_IP,
    trustedProxies: env.TRUSTED_PROXIES,
    maxBodyBytes: env.MAX_BODY_BYTES,
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
  },
  // Readiness is the database only: with NATS or the core away the edge still serves reads.
  checks: { database: () => sql`SELECT 1` },
});

// Reads keep working while NATS is away; without events the cache is not kept (no stale tiles).
let consumer: { stop(): Promise<void> } | null = null;
let liveFeed: { stop(): Promise<void> } | null = null;
(async () => {
  for (;;) {
    try {
      nc = await connectNats(env.NATS_URL, 'weltgewebe-edge');
      consumer = startInvalidationConsumer(nc, edge.tiles, log);
      liveFeed = startLiveFeed(nc, edge.live, sql, log);
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
  hostname: env.HOST,
  fetch: (request, srv) => edge.handle(request, srv.requestIP(request)?.address ?? null),
  // The edge answers oversized bodies itself (413 JSON); this only stops absurd ones early.
  maxRequestBodySize: env.MAX_BODY_BYTES * 4,
  // Longer than Caddy keeps a pooled connection idle (transport keepalive 30s in the
  // Caddyfile): the proxy always drops an idle connection first, so it never reuses one
  // that the edge is closing at that moment. SSE streams stay open by their 15 s ping.
  idleTimeout: 75,
});
log.info('edge listening', { host: env.HOST, port: server.port });

const stop = async () => {
  log.info('edge stopping');
  await server.stop();
  await consumer?.stop();
  await liveFeed?.stop();
  await nc?.drain().catch(() => {});
  await sql.end({ timeout: 5 });
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
