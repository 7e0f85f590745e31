// /auth/logout — forget the session here and end it at the provider as well. Only a POST (the
// header's sign-out form) signs out, and it must carry our Origin. A GET never does: a link,
// an <img> on another site or a prefetch must not end anyone's session.
import { redirect } from '@sveltejs/kit';
import { env } from '$lib/server/env';
import { errorFields, log } from '$lib/server/log';
import { endSessionUrl } from '$lib/server/oidc';
import { fromOurOrigin } from '$lib/server/request-origin';
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

// A GET changes nothing and sends the person to the map, where the header's sign-out button
// is. Not a bare 405: the ones who still GET here are people — an open tab or a cached app
// shell from before the sign-out became a form, a bookmark, a typed address — and they should
// land somewhere useful rather than on an error page.
export const GET: RequestHandler = ({ locals }) => {
  log('info', 'logout by GET ignored', { request_id: locals.requestId });
  redirect(303, '/');
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
