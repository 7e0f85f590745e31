// POST /auth/refresh — lets the page renew its cookies when the edge answered UNAUTHORIZED
// after the access token ran out while the map stayed open. Answers JSON, never a token.
// Only our own pages may ask (Origin check): it sets cookies.
import { json } from '@sveltejs/kit';
import { env } from '$lib/server/env';
import { fromOurOrigin } from '$lib/server/request-origin';
import { resolveSession } from '$lib/server/session';
import { setFlash } from '$lib/server/session-cookies';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async ({ cookies, locals, request }) => {
  if (!fromOurOrigin(request, env.ORIGIN)) {
    return json(
      { signedIn: false, error: 'CROSS_SITE_REQUEST', requestId: locals.requestId },
      { status: 403, headers: noStore },
    );
  }
  const outcome = await resolveSession(cookies, locals.requestId, { forceRefresh: true });
  if (outcome.kind === 'signed-in') {
    return json({ signedIn: true, role: outcome.user.role }, { headers: noStore });
  }
  if (outcome.kind === 'expired') setFlash(cookies, 'session-expired');
  const status = outcome.kind === 'unavailable' ? 503 : 401;
  return json({ signedIn: false, requestId: locals.requestId }, { status, headers: noStore });
};

const noStore = { 'cache-control': 'no-store' };
