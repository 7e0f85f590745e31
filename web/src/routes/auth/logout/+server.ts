// GET /auth/logout — forget the session here and end it at the provider as well.
import { redirect } from '@sveltejs/kit';
import { errorFields, log } from '$lib/server/log';
import { endSessionUrl } from '$lib/server/oidc';
import { clearSessionCookies, readSessionCookies } from '$lib/server/session-cookies';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ cookies, locals }) => {
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
};
