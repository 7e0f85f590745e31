// Per-request work of the web server: request id, session from cookies, access log, error ids.

import type { Handle, HandleServerError } from '@sveltejs/kit';
import { pickLocale } from '$lib/i18n/locale';
import { allowFormActionTo, allowFramingByAnyone } from '$lib/server/csp';
import { env } from '$lib/server/env';
import { errorFields, log } from '$lib/server/log';
import { httpDuration } from '$lib/server/metrics';
import { resolveSession, userFromOutcome } from '$lib/server/session';

// Paths that never look at the session (health probes are polled often and must stay cheap).
const sessionless =
  /^\/(health\/|version$|metrics$|basemap\/|auth\/(login|callback|logout|refresh)$|favicon|manifest)/;

// Login and logout forms redirect to the provider: the page CSP's form-action must allow it.
const issuerOrigin = new URL(env.OIDC_ISSUER).origin;

function requestIdFrom(request: Request): string {
  const incoming = request.headers.get('x-request-id');
  return incoming && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : crypto.randomUUID();
}

export const handle: Handle = async ({ event, resolve }) => {
  const started = performance.now();
  const requestId = requestIdFrom(event.request);
  event.locals.requestId = requestId;
  event.locals.user = null;

  if (!sessionless.test(event.url.pathname)) {
    const outcome = await resolveSession(event.cookies, requestId);
    event.locals.user = userFromOutcome(event.cookies, outcome);
  }

  // The document speaks the language the page is rendered in (screen readers read it so).
  const lang = pickLocale(
    event.cookies.get('wg_lang'),
    event.request.headers.get('accept-language'),
  );
  const response = await resolve(event, {
    transformPageChunk: ({ html }) => html.replace('<html lang="de">', `<html lang="${lang}">`),
  });
  try {
    response.headers.set('x-request-id', requestId);
    const policy = response.headers.get('content-security-policy');
    if (policy) {
      const own = allowFormActionTo(policy, issuerOrigin);
      // Only the read-only embed page may sit in other sites' frames.
      response.headers.set(
        'content-security-policy',
        event.route.id === '/embed' ? allowFramingByAnyone(own) : own,
      );
    }
  } catch {
    // Some responses (e.g. proxied fetches) have immutable headers; the log line still has the id.
  }
  httpDuration.observe(
    {
      method: event.request.method,
      route: event.route.id ?? 'unmatched',
      status: String(response.status),
    },
    (performance.now() - started) / 1000,
  );
  log('info', 'request', {
    request_id: requestId,
    method: event.request.method,
    // The path only: query strings can hold authorization codes.
    path: event.url.pathname,
    route: event.route.id,
    status: response.status,
    duration_ms: Math.round((performance.now() - started) * 10) / 10,
    user: event.locals.user?.sub ?? null,
  });
  return response;
};

export const handleError: HandleServerError = ({ error, event, status, message }) => {
  const id = event.locals.requestId ?? crypto.randomUUID();
  if (status === 404) return { message: 'Diese Seite gibt es nicht.', id };
  log('error', 'unexpected error', {
    request_id: id,
    method: event.request.method,
    path: event.url.pathname,
    status,
    reason: message,
    ...errorFields(error),
  });
  return { message: 'Da ist etwas schiefgegangen.', id };
};

// Fail fast on a broken environment when the server starts, not on the first request.
void env;
