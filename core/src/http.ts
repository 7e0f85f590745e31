// The core's HTTP surface: tRPC at /trpc plus the service endpoints, as one fetch handler.
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import {
  type AuthIdentity,
  bearerToken,
  type JwtVerifier,
  releaseVersion,
  requestIdFrom,
  type ServiceMetrics,
  SessionRevoked,
  serviceEndpoints,
  TokenRejected,
} from '@weltgewebe/kit';
import { COMMIT_LSN_HEADER } from './commit-lsn.ts';
import { CORE_VERSION } from './env.ts';
import { DomainError } from './errors.ts';
import { coreRouter } from './router.ts';
import type { CoreServices } from './services.ts';
import type { CoreContext } from './trpc.ts';

export interface CoreHttpDeps {
  services: CoreServices;
  verifier: JwtVerifier;
  metrics: ServiceMetrics;
  checks: Record<string, () => Promise<unknown>>;
  /** The WAL position after a command (commit-lsn.ts); without it no x-commit-lsn is sent. */
  commitLsn?: () => Promise<string>;
  /** True while the core drains before it stops (not ready then). */
  draining?: () => boolean;
}

export function createCoreFetch(deps: CoreHttpDeps) {
  const endpoints = serviceEndpoints({
    service: 'core',
    version: releaseVersion(CORE_VERSION),
    registry: deps.metrics.registry,
    checks: deps.checks,
    ...(deps.draining ? { draining: deps.draining } : {}),
  });

  const identify = async (request: Request): Promise<AuthIdentity | null> => {
    const token = bearerToken(request.headers);
    if (token === null) return null;
    try {
      return await deps.verifier.verify(token);
    } catch (error) {
      // Same code as the edge's (edge/src/auth/identify.ts): the session was signed out.
      if (error instanceof SessionRevoked) {
        throw new DomainError(
          'SESSION_REVOKED',
          'UNAUTHORIZED',
          'Du hast dich abgemeldet. Bitte melde dich neu an.',
        );
      }
      if (error instanceof TokenRejected) {
        throw new DomainError(
          'INVALID_TOKEN',
          'UNAUTHORIZED',
          'Dein Zugang ist ungültig oder abgelaufen.',
        );
      }
      throw new DomainError(
        'AUTH_UNAVAILABLE',
        'SERVICE_UNAVAILABLE',
        'Anmeldedienst nicht erreichbar.',
      );
    }
  };

  return async (request: Request): Promise<Response> => {
    const started = performance.now();
    const requestId = requestIdFrom(request.headers);
    const url = new URL(request.url);
    const log = deps.services.log.child({ request_id: requestId });
    let response: Response;
    let route = url.pathname;
    if (url.pathname.startsWith('/trpc/')) {
      route = '/trpc';
      response = await fetchRequestHandler({
        endpoint: '/trpc',
        req: request,
        router: coreRouter,
        createContext: async (): Promise<CoreContext> => ({
          requestId,
          identity: await identify(request),
          services: deps.services,
          log,
        }),
        onError: ({ error, path }) => {
          if (error.code === 'INTERNAL_SERVER_ERROR')
            log.error('procedure failed', { path, error: error.cause ?? error });
        },
      });
      // Commands come as POST; their commits are done by now.
      if (request.method === 'POST' && response.status < 400 && deps.commitLsn) {
        try {
          response.headers.set(COMMIT_LSN_HEADER, await deps.commitLsn());
        } catch (error) {
          // Without it the edge reads the primary for this caller; nothing is wrong for them.
          log.warn('commit lsn unavailable', { error: String(error) });
        }
      }
    } else {
      response =
        (await endpoints(request)) ??
        Response.json({ error: { code: 'NOT_FOUND' } }, { status: 404 });
    }
    response.headers.set('x-request-id', requestId);
    const seconds = (performance.now() - started) / 1000;
    deps.metrics.httpDuration.observe(
      { method: request.method, route, status: String(response.status) },
      seconds,
    );
    if (route === '/trpc') {
      log.info('request', {
        method: request.method,
        path: url.pathname,
        status: response.status,
        ms: Math.round(seconds * 1000),
      });
    }
    return response;
  };
}
