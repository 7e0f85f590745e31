// The edge as an Elysia app: tRPC (fetch adapter), tiles, service endpoints; plus the
// NATS consumer that keeps this instance's tile cache exact.
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { Sql } from '@weltgewebe/db/client';
import {
  ApiError,
  type JwtVerifier,
  type Logger,
  requestIdFrom,
  type ServiceMetrics,
  serviceEndpoints,
} from '@weltgewebe/kit';
import { Elysia } from 'elysia';
import { type CallerAuth, identifyCaller, sameOriginAllowed } from './auth/identify.ts';
import type { CoreClientFactory } from './core-client.ts';
import { EDGE_VERSION } from './env.ts';
import { jsonError } from './json-error.ts';
import { LiveHub } from './live/live-hub.ts';
import { createRequestGuard, type ProtectionOptions } from './protection/request-guard.ts';
import { edgeRouter } from './router.ts';
import { tileRoutes } from './tiles/router.ts';
import { createTileService } from './tiles/tile-service.ts';
import type { EdgeContext, EdgeServices } from './trpc.ts';

export interface EdgeDeps {
  sql: Sql;
  core: CoreClientFactory;
  verifier: JwtVerifier;
  log: Logger;
  metrics: ServiceMetrics;
  authRequiredForRead: boolean;
  allowedOrigins: string[];
  tileCacheBytes: number;
  checks: Record<string, () => Promise<unknown>>;
  /** Read limit, trusted proxies, body size and deadline; defaults in request-guard.ts. */
  protection?: Partial<ProtectionOptions>;
}

export function createEdge(deps: EdgeDeps) {
  const tiles = createTileService({
    sql: deps.sql,
    cacheBytes: deps.tileCacheBytes,
    log: deps.log,
  });
  const live = new LiveHub();
  const guard = createRequestGuard(deps.protection);
  const services: EdgeServices = {
    sql: deps.sql,
    core: deps.core,
    log: deps.log,
    authRequiredForRead: deps.authRequiredForRead,
    live,
    tileInvalidator: tiles.invalidator,
  };
  const endpoints = serviceEndpoints({
    service: 'edge',
    version: EDGE_VERSION,
    registry: deps.metrics.registry,
    checks: deps.checks,
  });

  const trpc = async (request: Request, requestId: string) => {
    let auth: CallerAuth = { identity: null, via: null };
    let authError: ApiError | null = null;
    try {
      auth = await identifyCaller(request, deps.verifier);
    } catch (error) {
      authError = error as ApiError;
    }
    if (
      request.method === 'POST' &&
      auth.via === 'cookie' &&
      !sameOriginAllowed(request, deps.allowedOrigins)
    ) {
      authError = new ApiError(
        'CROSS_SITE_REQUEST',
        'FORBIDDEN',
        'Anfrage von fremder Seite abgelehnt.',
      );
    }
    const log = deps.log.child({ request_id: requestId });
    return fetchRequestHandler({
      endpoint: '/trpc',
      req: request,
      router: edgeRouter,
      createContext: async (): Promise<EdgeContext> => {
        if (authError) throw authError;
        return {
          requestId,
          identity: auth.identity,
          traceparent: request.headers.get('traceparent'),
          services,
          log,
        };
      },
      onError: ({ error, path }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR')
          log.error('procedure failed', { path, error: error.cause ?? error });
      },
      // A command over the core's per-account limit: HTTP 429 (tRPC's own status) plus
      // the Retry-After the core put into the error's details.
      responseMeta: ({ errors }) => {
        const seconds = errors
          .map((e) => (e instanceof ApiError ? e.details?.retryAfterSeconds : undefined))
          .find((s): s is number => typeof s === 'number' && s > 0);
        return seconds
          ? { headers: new Headers({ 'retry-after': String(Math.ceil(seconds)) }) }
          : {};
      },
    });
  };

  const app = new Elysia()
    // First, so that it hears the errors of every route below (Elysia applies a hook only to
    // routes registered after it): nothing internal reaches the caller.
    .onError(({ code, error, request }) => {
      const requestId = requestIdFrom(request.headers);
      if (code === 'NOT_FOUND') return jsonError(404, 'NOT_FOUND', 'Nicht gefunden.', requestId);
      deps.log.error('unhandled edge error', { request_id: requestId, code, error });
      return jsonError(500, 'INTERNAL', `Interner Fehler (Anfrage ${requestId}).`, requestId);
    })
    .all('/trpc/*', ({ request }) => trpc(request, requestIdFrom(request.headers)), {
      parse: 'none',
    })
    .use(
      tileRoutes({
        tiles,
        verifier: deps.verifier,
        authRequiredForRead: deps.authRequiredForRead,
        metrics: deps.metrics,
        log: deps.log,
      }),
    )
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
    const route = url.pathname.startsWith('/trpc/')
      ? '/trpc'
      : url.pathname.startsWith('/tiles/')
        ? '/tiles'
        : url.pathname;
    response.headers.set('x-request-id', requestId);
    const seconds = (performance.now() - started) / 1000;
    deps.metrics.httpDuration.observe(
      { method: request.method, route, status: String(response.status) },
      seconds,
    );
    if (route === '/trpc' || route === '/tiles') {
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

  return { app, handle, tiles, live };
}

export type Edge = ReturnType<typeof createEdge>;
