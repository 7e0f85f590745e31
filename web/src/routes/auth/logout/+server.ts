// /auth/logout — end the session everywhere: revoke it at edge and core (its access token is
// refused at once), end its refresh token and the provider's session, forget the cookies. Only a POST (the
// header's sign-out form) signs out, and it must carry our Origin. A GET never does: a link,
// an <img> on another site or a prefetch must not end anyone's session.
import { redirect } from '@sveltejs/kit';
import { env } from '$lib/server/env';
import { errorFields, log } from '$lib/server/log';
import { endSessionUrl, revokeRefreshToken } from '$lib/server/oidc';
import { fromOurOrigin } from '$lib/server/request-origin';
import { clearSessionCookies, readSessionCookies } from '$lib/server/session-cookies';
import { revokeSession } from '$lib/server/sign-out';
import type { RequestEvent, RequestHandler } from './$types';

async function logout({ cookies, locals }: RequestEvent): Promise<never> {
  const { accessToken, refreshToken, idToken } = readSessionCookies(cookies);
  clearSessionCookies(cookies);
  // Both at once: each waits on another service, and neither may keep the person waiting long.
  const [revoked, refreshEnded] = await Promise.allSettled([
    accessToken ? revokeSession(accessToken, locals.requestId) : Promise.resolve('no-token'),
    refreshToken ? revokeRefreshToken(refreshToken) : Promise.resolve(false),
  ]);
  if (revoked.status === 'rejected') {
    // The cookies are gone; a copy of the access token would still work until it expires.
    log('warn', 'session revocation failed', {
      request_id: locals.requestId,
      ...errorFields(revoked.reason),
    });
  } else {
    log('info', 'signed out', { request_id: locals.requestId, revocation: revoked.value });
  }
  if (refreshEnded.status === 'rejected') {
    log('warn', 'refresh token revocation failed', {
      request_id: locals.requestId,
      ...errorFields(refreshEnded.reason),
    });
  }
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
