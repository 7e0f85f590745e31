// tRPC over HTTP at /trpc/*: tRPC's fetch adapter inside an Elysia route (Elysia's own tRPC
// plugin speaks tRPC 10). Transport only: who calls (bearer token or the session cookie, with
// the CSRF guard for cookie-borne POSTs), the procedure context, the log of internal errors
// Retry-After for the core's command limit, and the commit's WAL position for read-your-writes.
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { ApiError, type JwtVerifier, type Logger, requestIdFrom } from '@weltgewebe/kit';
import { Elysia } from 'elysia';
import { type CallerAuth, identifyCaller, sameOriginAllowed } from './auth/identify.ts';
import { callerMinLsn, formatLsn, lsnCookie } from './replica/lsn.ts';
import { edgeRouter } from './router.ts';
import type { EdgeContext, EdgeServices } from './trpc.ts';

export interface TrpcRouteDeps {
  services: EdgeServices;
  verifier: JwtVerifier;
  allowedOrigins: string[];
  log: Logger;
}

export function trpcRoutes(deps: TrpcRouteDeps) {
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
    const minLsn = callerMinLsn(request.headers);
    const commit = { lsn: null as bigint | null };
    const secure =
      new URL(request.url).protocol === 'https:' ||
      request.headers.get('x-forwarded-proto') === 'https';
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
          services: deps.services,
          log,
          minLsn,
          commit,
        };
      },
      onError: ({ error, path }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR')
          log.error('procedure failed', { path, error: error.cause ?? error });
      },
      // A command over the core's per-account limit: HTTP 429 (tRPC's own status) plus
      // the Retry-After the core put into the error's details.
      // A command's answer names its commit's WAL position; with a replica the caller keeps
      // it (cookie) so their next reads, on any edge behind Caddy, are not older than it.
      responseMeta: ({ errors }) => {
        const headers = new Headers();
        const seconds = errors
          .map((e) => (e instanceof ApiError ? e.details?.retryAfterSeconds : undefined))
          .find((s): s is number => typeof s === 'number' && s > 0);
        if (seconds) headers.set('retry-after', String(Math.ceil(seconds)));
        if (commit.lsn !== null) {
          const newest = minLsn !== null && minLsn > commit.lsn ? minLsn : commit.lsn;
          headers.set('x-commit-lsn', formatLsn(commit.lsn));
          if (deps.services.reads.hasReplica)
            headers.append('set-cookie', lsnCookie(newest, secure));
        }
        return { headers };
      },
    });
  };

  const route = ({ request }: { request: Request }) =>
    trpc(request, requestIdFrom(request.headers));
  // parse: 'none': tRPC reads the body itself.
  return new Elysia().all('/trpc/*', route, { parse: 'none' });
}
