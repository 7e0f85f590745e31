// Edge process: reads, tiles and forwarded commands on PORT (default 3001).
import { createPool } from '@weltgewebe/db/client';
import { connectNats, type NatsConnection } from '@weltgewebe/events/jetstream';
import {
  closeWhileDraining,
  createJwtVerifier,
  createLogger,
  createServiceMetrics,
  type Drain,
  gracefulShutdown,
  SessionRevocations,
} from '@weltgewebe/kit';
import { createEdge } from './app.ts';
import {
  loadRevocationsPeriodically,
  startRevocationConsumer,
} from './auth/revocation-consumer.ts';
import { createCoreClient } from './core-client.ts';
import { loadEdgeEnv } from './env.ts';
import { startLiveFeed } from './live/live-feed.ts';
import { parseTrustedProxies } from './protection/client-ip.ts';
import { startInvalidationConsumer } from './tiles/invalidation-consumer.ts';

const env = loadEdgeEnv();
// A bad TRUSTED_PROXIES entry stops the start, like any other invalid setting.
parseTrustedProxies(env.TRUSTED_PROXIES);
const log = createLogger('edge', { level: env.LOG_LEVEL });
// The primary answers reads when no replica is configured, or when the replica does not yet
// hold what a read must see (replica/read-routing.ts); the replica takes the rest.
const sql = createPool(env.EDGE_DATABASE_URL, { applicationName: 'edge', max: 20 });
const replica = env.EDGE_DATABASE_REPLICA_URL
  ? createPool(env.EDGE_DATABASE_REPLICA_URL, { applicationName: 'edge-replica', max: 20 })
  : null;
// Signed-out sessions: read from the primary now and every 30 s, kept by `session.revoked`.
const revocations = new SessionRevocations();
const revocationLoader = loadRevocationsPeriodically(sql, revocations, log);
const verifier = createJwtVerifier({
  issuer: env.OIDC_ISSUER,
  audience: env.OIDC_AUDIENCE,
  roleClaimPath: env.ROLE_CLAIM_PATH,
  revocations,
});
let nc: NatsConnection | null = null;
let drain: Drain = { draining: false };
const edge = createEdge({
  draining: () => drain.draining,
  sql,
  replica,
  replicaWaitMs: env.REPLICA_WAIT_MS,
  core: createCoreClient(env.CORE_URL, env.CORE_TIMEOUT_MS, fetch, (core, reason) =>
    log.warn('core passed over for a call', { core, reason }),
  ),
  verifier,
  revocations,
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
  // Readiness is the primary only (the signed-out sessions come from there too): with NATS,
  // the core or the replica away the edge still serves reads (a replica that is away is
  // passed over, see /metrics edge_replica_up).
  checks: {
    database: () => sql`SELECT 1`,
    signedOutSessions: async () => {
      if (!revocations.isLoaded) throw new Error('signed-out sessions not read yet');
    },
  },
});

// Reads keep working while NATS is away; without events the cache is not kept (no stale tiles).
let consumer: { stop(): Promise<void> } | null = null;
let liveFeed: { stop(): Promise<void> } | null = null;
let revocationConsumer: { stop(): Promise<void> } | null = null;
(async () => {
  for (;;) {
    try {
      nc = await connectNats(env.NATS_URL, 'weltgewebe-edge');
      consumer = startInvalidationConsumer(nc, edge.tiles, log, edge.reads);
      liveFeed = startLiveFeed(nc, edge.live, sql, log);
      revocationConsumer = startRevocationConsumer(nc, revocations, log, revocationLoader.reload);
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
  fetch: async (request, srv) =>
    closeWhileDraining(await edge.handle(request, srv.requestIP(request)?.address ?? null), drain),
  // The edge answers oversized bodies itself (413 JSON); this only stops absurd ones early.
  maxRequestBodySize: env.MAX_BODY_BYTES * 4,
  // Longer than Caddy keeps a pooled connection idle (transport keepalive 30s in the
  // Caddyfile): the proxy always drops an idle connection first, so it never reuses one
  // that the edge is closing at that moment. SSE streams stay open by their 15 s ping.
  idleTimeout: 75,
});
log.info('edge listening', { host: env.HOST, port: server.port });

drain = gracefulShutdown({
  drainMs: env.DRAIN_MS,
  log,
  stop: async () => {
    // Requests under way finish; live streams (the only long ones) are cut after that, and
    // their readers resume at another edge from the last change they heard.
    const closing = server.stop();
    for (let waited = 0; waited < 10_000; waited += 50) {
      if (server.pendingRequests <= edge.live.size) break;
      await Bun.sleep(50);
    }
    await Promise.race([closing, Bun.sleep(100)]);
    await server.stop(true);
    await consumer?.stop();
    await liveFeed?.stop();
    await revocationConsumer?.stop();
    revocationLoader.stop();
    await nc?.drain().catch(() => {});
    edge.reads.stop();
    await sql.end({ timeout: 5 });
    await replica?.end({ timeout: 5 });
  },
});
