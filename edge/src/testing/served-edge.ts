// An edge instance on a real port (Bun.serve), for tests that need real HTTP: socket
// addresses, SSE subscriptions, a core that is not there. Shares the core harness's
// database and NATS, like a second instance behind Caddy.
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { createPool } from '@weltgewebe/db/client';
import { testOidc } from '@weltgewebe/infra/testing';
import { createJwtVerifier, createLogger, createServiceMetrics } from '@weltgewebe/kit';
import { EventSource } from 'eventsource';
import type { CoreHarness } from '../../../core/src/testing/core-harness.ts';
import { createEdge } from '../app.ts';
import { createCoreClient } from '../core-client.ts';
import { startLiveFeed } from '../live/live-feed.ts';
import type { ProtectionOptions } from '../protection/request-guard.ts';
import type { EdgeRouter } from '../router.ts';

export interface ServedEdgeOptions {
  /** A core URL to call over HTTP (e.g. a closed port); default: the harness's core in-process. */
  coreUrl?: string;
  coreTimeoutMs?: number;
  protection?: Partial<ProtectionOptions>;
}

export async function serveEdge(core: CoreHarness, opts: ServedEdgeOptions = {}) {
  const oidc = await testOidc();
  const sql = createPool(core.db.edgeUrl, { applicationName: 'edge-served-test', max: 5 });
  const log = createLogger('edge', { sink: () => {} });
  const edge = createEdge({
    sql,
    core: opts.coreUrl
      ? createCoreClient(opts.coreUrl, opts.coreTimeoutMs ?? 5_000)
      : createCoreClient('http://core.test', 5_000, ((url: string, init: RequestInit) =>
          core.fetchHandler(new Request(url, init))) as typeof fetch),
    verifier: createJwtVerifier({
      issuer: oidc.issuer,
      audience: 'weltgewebe',
      roleClaimPath: 'realm_access.roles',
    }),
    log,
    metrics: createServiceMetrics('edge'),
    authRequiredForRead: false,
    allowedOrigins: ['http://localhost:8080'],
    tileCacheBytes: 8 * 1024 * 1024,
    checks: { database: () => sql`SELECT 1` },
    protection: opts.protection,
  });
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: (request, srv) => edge.handle(request, srv.requestIP(request)?.address ?? null),
  });
  const feed = startLiveFeed(core.nc, edge.live, sql, log);
  const url = `http://127.0.0.1:${server.port}`;

  /** A typed client over real HTTP; subscriptions go over SSE. */
  const client = (token: string | null = null) =>
    createTRPCClient<EdgeRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === 'subscription',
          true: httpSubscriptionLink({
            url: `${url}/trpc`,
            EventSource,
            eventSourceOptions: {
              fetch: (input, init) =>
                fetch(input, {
                  ...init,
                  headers: {
                    ...init.headers,
                    ...(token ? { authorization: `Bearer ${token}` } : {}),
                  },
                }),
            },
          }),
          false: httpBatchLink({
            url: `${url}/trpc`,
            headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
          }),
        }),
      ],
    });

  return {
    url,
    edge,
    client,
    async stop() {
      await server.stop(true);
      await feed.stop();
      await sql.end({ timeout: 2 });
    },
  };
}

export type ServedEdge = Awaited<ReturnType<typeof serveEdge>>;
