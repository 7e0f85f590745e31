// The edge as an Elysia app: around every request the request id, the guard (read limit, body
// size, deadline), timing and the access log; inside, the feature routes (tRPC, tiles) and
// the service endpoints. main.ts adds the NATS consumers that keep tiles and live push exact.
import type { Sql } from '@weltgewebe/db/client';
import {
  type JwtVerifier,
  type Logger,
  releaseVersion,
  requestIdFrom,
  type ServiceMetrics,
  type SessionRevocations,
  serviceEndpoints,
} from '@weltgewebe/kit';
import { Elysia } from 'elysia';
import { unsubscribeRoutes } from './alerts/router.ts';
import type { CoreClientFactory } from './core-client.ts';
import { DEFAULT_PUBLIC_ORIGIN, EDGE_VERSION } from './env.ts';
import { exportRoutes } from './export/router.ts';
import { jsonError } from './json-error.ts';
import { LiveHub } from './live/live-hub.ts';
import { createRequestGuard, type ProtectionOptions } from './protection/request-guard.ts';
import { ReadRouting } from './replica/read-routing.ts';
import { tileRoutes } from './tiles/router.ts';
import { createTileService } from './tiles/tile-service.ts';
import type { EdgeServices } from './trpc.ts';
import { trpcRoutes } from './trpc-routes.ts';

export interface EdgeDeps {
  /** The primary (edge role). */
  sql: Sql;
  /** A streaming replica (edge role) that answers reads once it holds what they must see. */
  replica?: Sql | null;
  /** Longest a read waits for the replica to reach the caller's last write. */
  replicaWaitMs?: number;
  core: CoreClientFactory;
  verifier: JwtVerifier;
  /** The verifier's list of signed-out sessions: a sign-out through this instance applies here at once. */
  revocations?: SessionRevocations;
  log: Logger;
  metrics: ServiceMetrics;
  authRequiredForRead: boolean;
  allowedOrigins: string[];
  tileCacheBytes: number;
  /**
   * The site's origin (PUBLIC_ORIGIN): TileJSON names its tile URLs there. Never the request's
   * Host header, which anyone can set (a cached TileJSON would send others to their host).
   */
  publicOrigin?: string;
  checks: Record<string, () => Promise<unknown>>;
  /** Read limit, trusted proxies, body size and deadline; defaults in request-guard.ts. */
  protection?: Partial<ProtectionOptions>;
  /** True while the edge drains before it stops (not ready then). */
  draining?: () => boolean;
}

export function createEdge(deps: EdgeDeps) {
  const readsTotal = deps.metrics.counter(
    'weltgewebe_edge_reads_total',
    'Reads by the database that answered them',
    ['pool'],
  );
  const replicaUp = deps.metrics.gauge(
    'weltgewebe_edge_replica_up',
    '1 while the read replica answers, 0 while reads fall back to the primary',
  );
  const reads = new ReadRouting({
    primary: deps.sql,
    replica: deps.replica ?? null,
    ...(deps.replicaWaitMs !== undefined ? { maxWaitMs: deps.replicaWaitMs } : {}),
    log: deps.log,
    onRead: (pool) => readsTotal.inc({ pool }),
    onReplicaState: (up) => replicaUp.set(up ? 1 : 0),
  });
  const tiles = createTileService({
    sql: deps.sql,
    reads,
    cacheBytes: deps.tileCacheBytes,
    log: deps.log,
  });
  const live = new LiveHub();
  const guard = createRequestGuard(deps.protection);
  const services: EdgeServices = {
    sql: deps.sql,
    reads,
    core: deps.core,
    log: deps.log,
    authRequiredForRead: deps.authRequiredForRead,
    live,
    tileInvalidator: tiles.invalidator,
    ...(deps.revocations ? { revocations: deps.revocations } : {}),
  };
  const endpoints = serviceEndpoints({
    service: 'edge',
    version: releaseVersion(EDGE_VERSION),
    registry: deps.metrics.registry,
    checks: deps.checks,
    ...(deps.draining ? { draining: deps.draining } : {}),
    // Caddy rests an edge on one failed probe (every 3 s): a single slow check must not take
    // out the only edge left while the other is replaced. Two intervals, then it counts.
    holdReadyMs: 6_000,
  });

  const app = new Elysia()
    // First, so that it hears the errors of every route below (Elysia applies a hook only to
    // routes registered after it): nothing internal reaches the caller.
    .onError(({ code, error, request }) => {
      const requestId = requestIdFrom(request.headers);
      if (code === 'NOT_FOUND') return jsonError(404, 'NOT_FOUND', 'Nicht gefunden.', requestId);
      deps.log.error('unhandled edge error', { request_id: requestId, code, error });
      return jsonError(500, 'INTERNAL', `Interner Fehler (Anfrage ${requestId}).`, requestId);
    })
    .use(
      trpcRoutes({
        services,
        verifier: deps.verifier,
        allowedOrigins: deps.allowedOrigins,
        log: deps.log,
      }),
    )
    .use(
      tileRoutes({
        tiles,
        verifier: deps.verifier,
        authRequiredForRead: deps.authRequiredForRead,
        publicOrigin: deps.publicOrigin ?? DEFAULT_PUBLIC_ORIGIN,
        metrics: deps.metrics,
        log: deps.log,
      }),
    )
    .use(
      exportRoutes({
        sql: deps.sql,
        verifier: deps.verifier,
        authRequiredForRead: deps.authRequiredForRead,
      }),
    )
    .use(unsubscribeRoutes({ core: deps.core, log: deps.log }))
    .get('/health/*', ({ request }) => endpoints(request))
    .get('/version', ({ request }) => endpoints(request))
    .get('/metrics', ({ request }) => endpoints(request));

  /**
   * Request id, protection (read limit, body size, deadline), access log and timing around
   * every request. `peer` is the socket address (Bun.serve's server.requestIP); in-process
   * callers (tests) leave it out and count as loopback.
   */
  const handle = async (incoming: Request, peer?: string | null): Promise<Response> => {
    const started = performance.now();
    const requestId = requestIdFrom(incoming.headers);
    let request = incoming;
    if (incoming.headers.get('x-request-id') !== requestId) {
      // Routes read the id from the header, so give the request the one we chose.
      const headers = new Headers(incoming.headers);
      headers.set('x-request-id', requestId);
      request = new Request(incoming, { headers });
    }
    const url = new URL(request.url);
    // Without a socket (in-process callers) there is no address to limit.
    const ip = peer === undefined ? null : guard.clientIp(peer, request);
    const admitted = await guard.admit(request, url.pathname, ip, requestId);
    const response =
      'response' in admitted
        ? admitted.response
        : await guard.deadline(app.handle(admitted.request), request, url.pathname, requestId);
    const route = routeLabel(url.pathname);
    response.headers.set('x-request-id', requestId);
    const seconds = (performance.now() - started) / 1000;
    deps.metrics.httpDuration.observe(
      { method: request.method, route, status: String(response.status) },
      seconds,
    );
    if (route === '/trpc' || route === '/tiles' || route === '/export') {
      deps.log.info('request', {
        request_id: requestId,
        method: request.method,
        path: url.pathname,
        status: response.status,
        ms: Math.round(seconds * 1000),
      });
    }
    return response;
  };

  return { app, handle, tiles, live, reads };
}

export type Edge = ReturnType<typeof createEdge>;

/**
 * The route label of the duration metric: a template the edge serves, or "other". Never the
 * raw path, whose every variant would be a new time series (an attacker could fill
 * Prometheus' memory with random paths).
 */
export function routeLabel(pathname: string): string {
  if (pathname === '/trpc' || pathname.startsWith('/trpc/')) return '/trpc';
  if (pathname.startsWith('/tiles/')) return '/tiles';
  if (pathname.startsWith('/export/')) return '/export';
  if (pathname.startsWith('/health/')) return '/health/*';
  if (pathname === '/version' || pathname === '/metrics') return pathname;
  return 'other';
}
