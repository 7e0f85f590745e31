// /auth/logout — forget the session here and end it at the provider as well. POST (a form of
// our own pages) must carry our Origin; GET (the header link) must not have started on
// another site, so nobody can sign a person out from elsewhere.
import { redirect } from '@sveltejs/kit';
import { env } from '$lib/server/env';
import { errorFields, log } from '$lib/server/log';
import { endSessionUrl } from '$lib/server/oidc';
import { fromOurOrigin, navigationFromOurSite } from '$lib/server/request-origin';
import { clearSessionCookies, readSessionCookies } from '$lib/server/session-cookies';
import type { RequestEvent, RequestHandler } from './$types';

async function logout({ cookies, locals }: RequestEvent): Promise<never> {
  const { idToken } = readSessionCookies(cookies);
  clearSessionCookies(cookies);
  let target = '/';
  try {
    const url = await endSessionUrl(idToken);
    if (url) target = url.href;
  } catch (error) {
    // The local session is gone either way; the provider's may outlive it.
    log('warn', 'end session url unavailable', {
      request_id: locals.requestId,
      ...errorFields(error),
    });
  }
  redirect(303, target);
}

export const GET: RequestHandler = async (event) => {
  if (!navigationFromOurSite(event.request)) {
    log('info', 'logout from another site ignored', { request_id: event.locals.requestId });
    redirect(303, '/');
  }
  return logout(event);
};

export const POST: RequestHandler = async (event) => {
  if (!fromOurOrigin(event.request, env.ORIGIN)) {
    log('info', 'cross-site logout refused', { request_id: event.locals.requestId });
    return new Response('Anfrage von fremder Seite abgelehnt.', {
      status: 403,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  }
  return logout(event);
};
