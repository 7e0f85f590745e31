// A real edge in front of a real core (both in-process, no ports), on real PostgreSQL,
// NATS and OIDC. Extra edge instances share the database, like instances behind Caddy.
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { createPool } from '@weltgewebe/db/client';
import { testOidc } from '@weltgewebe/infra/testing';
import {
  createJwtVerifier,
  createLogger,
  createServiceMetrics,
  SessionRevocations,
} from '@weltgewebe/kit';
import { type CoreHarness, startCoreHarness } from '../../../core/src/testing/core-harness.ts';
import { createEdge } from '../app.ts';
import {
  loadRevocationsPeriodically,
  startRevocationConsumer,
} from '../auth/revocation-consumer.ts';
import { createCoreClient } from '../core-client.ts';
import type { EdgeRouter } from '../router.ts';
import { startInvalidationConsumer } from '../tiles/invalidation-consumer.ts';

export const EDGE_ORIGIN = 'http://localhost:8080';

export interface EdgeHarnessOptions {
  authRequiredForRead?: boolean;
  commandsPerMinute?: number;
  /** A streaming replica of the test cluster: the edge URL of a database on it. */
  replicaUrl?: (database: string) => string;
}

export async function startEdgeHarness(opts: EdgeHarnessOptions = {}) {
  const core: CoreHarness = await startCoreHarness({
    ...(opts.commandsPerMinute ? { commandsPerMinute: opts.commandsPerMinute } : {}),
  });
  const oidc = await testOidc();
  const stops: Array<() => Promise<unknown>> = [];

  const startInstance = async (instance: { publicOrigin?: string } = {}) => {
    const sql = createPool(core.db.edgeUrl, { applicationName: 'edge-test', max: 5 });
    const replica = opts.replicaUrl
      ? createPool(opts.replicaUrl(core.db.name), { applicationName: 'edge-test-replica', max: 5 })
      : null;
    const quiet = createLogger('edge', { sink: () => {} });
    // Signed-out sessions, kept as in edge/src/main.ts (database, then `session.revoked`).
    const revocations = new SessionRevocations();
    const revocationLoader = loadRevocationsPeriodically(sql, revocations, quiet);
    const revocationConsumer = startRevocationConsumer(
      core.nc,
      revocations,
      quiet,
      revocationLoader.reload,
    );
    const edge = createEdge({
      sql,
      replica,
      core: createCoreClient('http://core.test', 5_000, ((url: string, init: RequestInit) =>
        core.fetchHandler(new Request(url, init))) as typeof fetch),
      verifier: createJwtVerifier({
        issuer: oidc.issuer,
        audience: 'weltgewebe',
        roleClaimPath: 'realm_access.roles',
        revocations,
      }),
      revocations,
      log: createLogger('edge', { sink: () => {} }),
      metrics: createServiceMetrics('edge'),
      authRequiredForRead: opts.authRequiredForRead ?? false,
      allowedOrigins: [EDGE_ORIGIN],
      tileCacheBytes: 32 * 1024 * 1024,
      ...(instance.publicOrigin ? { publicOrigin: instance.publicOrigin } : {}),
      checks: { database: () => sql`SELECT 1` },
    });
    const consumer = startInvalidationConsumer(
      core.nc,
      edge.tiles,
      createLogger('edge', { sink: () => {} }),
      edge.reads,
    );
    stops.push(async () => {
      await consumer.stop();
      await revocationConsumer.stop();
      revocationLoader.stop();
      edge.reads.stop();
      await sql.end({ timeout: 2 });
      await replica?.end({ timeout: 2 });
    });
    const request = (path: string, init: RequestInit = {}) =>
      edge.handle(new Request(`${EDGE_ORIGIN}${path}`, init));
    const client = (token: string | null) =>
      createTRPCClient<EdgeRouter>({
        links: [
          httpBatchLink({
            url: `${EDGE_ORIGIN}/trpc`,
            headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
            fetch: (url, init) => edge.handle(new Request(url, init as RequestInit)),
          }),
        ],
      });
    // Signed-in requests are answered 503 until the list is in, as in production.
    await revocationLoader.loaded;
    return { edge, request, client, revocations };
  };

  const primary = await startInstance();
  return {
    core,
    ...primary,
    startInstance,
    async stop() {
      for (const s of stops.reverse()) await s();
      await core.stop();
    },
  };
}

export type EdgeHarness = Awaited<ReturnType<typeof startEdgeHarness>>;
