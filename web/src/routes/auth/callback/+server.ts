// GET /auth/callback — the provider sends the browser back here with a code; exchange it for
// tokens, keep them in HttpOnly cookies and go back to where the person started.
import { redirect } from '@sveltejs/kit';
import { safeReturnTo } from '$lib/return-to';
import { errorFields, log } from '$lib/server/log';
import { finishLogin, isRejectedByProvider } from '$lib/server/oidc';
import { setFlash, setSessionCookies, takePendingLogin } from '$lib/server/session-cookies';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ url, cookies, locals }) => {
  const pending = takePendingLogin(cookies);
  if (!pending) {
    // Stale tab, or the ten minutes ran out: start over rather than show an error.
    log('info', 'login callback without pending login', { request_id: locals.requestId });
    setFlash(cookies, 'login-failed');
    redirect(303, '/');
  }
  try {
    const tokens = await finishLogin(url.searchParams, pending);
    setSessionCookies(cookies, tokens);
  } catch (error) {
    log('warn', 'login callback failed', { request_id: locals.requestId, ...errorFields(error) });
    setFlash(cookies, isRejectedByProvider(error) ? 'login-failed' : 'auth-unavailable');
  }
  redirect(303, safeReturnTo(pending.returnTo));
};
