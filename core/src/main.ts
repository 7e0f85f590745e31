// Core process: commands over tRPC on PORT (default 3002).
import { createPool } from '@weltgewebe/db/client';
import {
  closeWhileDraining,
  createJwtVerifier,
  createLogger,
  createServiceMetrics,
  type Drain,
  gracefulShutdown,
  SessionRevocations,
} from '@weltgewebe/kit';
import { rederiveMarkedPoints } from './accounts/rederive.ts';
import { walInsertLsn } from './commit-lsn.ts';
import { loadCoreEnv, vapidOf } from './env.ts';
import { createCoreFetch } from './http.ts';
import { startRevocationSync } from './sessions/revocation-sync.ts';

const env = loadCoreEnv();
const log = createLogger('core', { level: env.LOG_LEVEL });
const sql = createPool(env.CORE_DATABASE_URL, { applicationName: 'core', max: 20 });
// Signed-out sessions: read at start, kept by the database's notifications (sign-out).
const revocations = new SessionRevocations();
const revocationSync = startRevocationSync(sql, revocations, log);
const verifier = createJwtVerifier({
  issuer: env.OIDC_ISSUER,
  audience: env.OIDC_AUDIENCE,
  roleClaimPath: env.ROLE_CLAIM_PATH,
  revocations,
});
const metrics = createServiceMetrics('core');
const vapid = vapidOf(env);
const services = {
  sql,
  log,
  now: () => new Date(),
  commandsPerMinute: env.COMMANDS_PER_MINUTE,
  authRequiredForRead: env.AUTH_REQUIRED_FOR_READ,
  revocations,
  ...(vapid ? { push: { publicKey: vapid.publicKey } } : {}),
};
// Migration 0012's one-off step, before the first command can read an old-rule point.
await rederiveMarkedPoints(services);
let drain: Drain = { draining: false };
const handler = createCoreFetch({
  draining: () => drain.draining,
  services,
  verifier,
  metrics,
  checks: {
    database: () => sql`SELECT 1`,
    oidc: verifier.ready,
    signedOutSessions: async () => {
      if (!revocations.isLoaded) throw new Error('signed-out sessions not read yet');
    },
  },
  commitLsn: () => walInsertLsn(sql),
});
const server = Bun.serve({
  port: env.PORT,
  hostname: env.HOST,
  fetch: async (request) => closeWhileDraining(await handler(request), drain),
  // Bun closes an idle connection after 10 s by default; an edge sending a command down a
  // pooled connection at that moment sees it reset. Idle connections are kept as long as
  // the edge keeps its own towards Caddy.
  idleTimeout: 75,
});
log.info('core listening', { host: env.HOST, port: server.port });

drain = gracefulShutdown({
  drainMs: env.DRAIN_MS,
  log,
  // Commands under way finish (the edges pass over a core that refuses connections).
  stop: async () => {
    await server.stop();
    await revocationSync.stop();
    await sql.end({ timeout: 5 });
  },
});
