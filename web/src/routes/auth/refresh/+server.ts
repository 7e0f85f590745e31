// POST /auth/refresh — lets the page renew its cookies when the edge answered UNAUTHORIZED
// after the access token ran out while the map stayed open. Answers JSON, never a token.
import { json } from '@sveltejs/kit';
import { resolveSession } from '$lib/server/session';
import { setFlash } from '$lib/server/session-cookies';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async ({ cookies, locals }) => {
  const outcome = await resolveSession(cookies, locals.requestId, { forceRefresh: true });
  if (outcome.kind === 'signed-in') {
    return json({ signedIn: true, role: outcome.user.role }, { headers: noStore });
  }
  if (outcome.kind === 'expired') setFlash(cookies, 'session-expired');
  const status = outcome.kind === 'unavailable' ? 503 : 401;
  return json({ signedIn: false, requestId: locals.requestId }, { status, headers: noStore });
};

const noStore = { 'cache-control': 'no-store' };
