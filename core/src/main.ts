// Core process: commands over tRPC on PORT (default 3002).
import { createPool } from '@weltgewebe/db/client';
import {
  closeWhileDraining,
  createJwtVerifier,
  createLogger,
  createServiceMetrics,
  type Drain,
  gracefulShutdown,
} from '@weltgewebe/kit';
import { walInsertLsn } from './commit-lsn.ts';
import { loadCoreEnv } from './env.ts';
import { createCoreFetch } from './http.ts';

const env = loadCoreEnv();
const log = createLogger('core', { level: env.LOG_LEVEL });
const sql = createPool(env.CORE_DATABASE_URL, { applicationName: 'core', max: 20 });
const verifier = createJwtVerifier({
  issuer: env.OIDC_ISSUER,
  audience: env.OIDC_AUDIENCE,
  roleClaimPath: env.ROLE_CLAIM_PATH,
});
const metrics = createServiceMetrics('core');
let drain: Drain = { draining: false };
const handler = createCoreFetch({
  draining: () => drain.draining,
  services: {
    sql,
    log,
    now: () => new Date(),
    commandsPerMinute: env.COMMANDS_PER_MINUTE,
    authRequiredForRead: env.AUTH_REQUIRED_FOR_READ,
  },
  verifier,
  metrics,
  checks: { database: () => sql`SELECT 1`, oidc: verifier.ready },
  commitLsn: () => walInsertLsn(sql),
});
const server = Bun.serve({
  port: env.PORT,
  hostname: '0.0.0.0',
  fetch: async (request) => closeWhileDraining(await handler(request), drain),
});
log.info('core listening', { port: server.port });

drain = gracefulShutdown({
  drainMs: env.DRAIN_MS,
  log,
  // Commands under way finish (the edges pass over a core that refuses connections).
  stop: async () => {
    await server.stop();
    await sql.end({ timeout: 5 });
  },
});
