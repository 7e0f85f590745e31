// GET /auth/login?returnTo=/... — starts the authorization-code flow with PKCE at the provider.
import { redirect } from '@sveltejs/kit';
import { safeReturnTo } from '$lib/return-to';
import { errorFields, log } from '$lib/server/log';
import { startLogin } from '$lib/server/oidc';
import { setFlash, setPendingLogin } from '$lib/server/session-cookies';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ url, cookies, locals }) => {
  const returnTo = safeReturnTo(url.searchParams.get('returnTo'));
  let target: URL;
  try {
    const { url: authorizationUrl, pending } = await startLogin(returnTo);
    setPendingLogin(cookies, pending);
    target = authorizationUrl;
  } catch (error) {
    log('warn', 'login could not start', { request_id: locals.requestId, ...errorFields(error) });
    setFlash(cookies, 'auth-unavailable');
    redirect(303, returnTo);
  }
  redirect(303, target.href);
};
