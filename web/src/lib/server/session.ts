// Turns the session cookies of a request into `locals.user`, refreshing silently when the access
// token has (nearly) expired. A session that cannot be saved is cleared with a notice, never an
// error page.
import type { Cookies } from '@sveltejs/kit';
import type { SessionUser } from '$lib/user';
import { isTransientVerificationError, verifyAccessToken } from './access-token';
import { errorFields, log } from './log';
import { isRejectedByProvider, refreshSession } from './oidc';
import {
  clearSessionCookies,
  readSessionCookies,
  setFlash,
  setSessionCookies,
} from './session-cookies';

/** Refresh a little before expiry so the browser's next call to the edge still carries a valid token. */
const refreshMarginSeconds = 30;

export type SessionOutcome =
  | { kind: 'anonymous' }
  | { kind: 'signed-in'; user: SessionUser }
  | { kind: 'expired' }
  | { kind: 'unavailable' };

export async function resolveSession(
  cookies: Cookies,
  requestId: string,
  options: { forceRefresh?: boolean } = {},
): Promise<SessionOutcome> {
  const { accessToken, refreshToken, idToken } = readSessionCookies(cookies);
  if (!accessToken && !refreshToken) return { kind: 'anonymous' };

  let current: SessionUser | null = null;
  if (accessToken) {
    try {
      const verified = await verifyAccessToken(accessToken);
      current = verified.user;
      const fresh = verified.expiresAt - Date.now() / 1000 > refreshMarginSeconds;
      if ((fresh && !options.forceRefresh) || !refreshToken) return signedIn(current);
    } catch (error) {
      if (isTransientVerificationError(error)) {
        log('warn', 'access token could not be verified now', {
          request_id: requestId,
          ...errorFields(error),
        });
        return { kind: 'unavailable' };
      }
      // Expired or otherwise invalid: a refresh token may still save the session.
    }
  }

  if (refreshToken) {
    try {
      const tokens = await refreshSession(refreshToken, idToken);
      const verified = await verifyAccessToken(tokens.accessToken);
      setSessionCookies(cookies, tokens);
      return signedIn(verified.user);
    } catch (error) {
      const rejected = isRejectedByProvider(error) || !isTransientVerificationError(error);
      log(rejected ? 'info' : 'warn', 'session refresh failed', {
        request_id: requestId,
        rejected,
        ...errorFields(error),
      });
      // The current token is still valid for a moment; use it rather than drop the person.
      if (current) return signedIn(current);
      if (!rejected) return { kind: 'unavailable' };
    }
  }

  clearSessionCookies(cookies);
  return { kind: 'expired' };
}

function signedIn(user: SessionUser): SessionOutcome {
  return { kind: 'signed-in', user };
}

/** Applies an outcome to a page request: the user, or a one-shot notice. */
export function userFromOutcome(cookies: Cookies, outcome: SessionOutcome): SessionUser | null {
  if (outcome.kind === 'signed-in') return outcome.user;
  if (outcome.kind === 'expired') setFlash(cookies, 'session-expired');
  if (outcome.kind === 'unavailable') setFlash(cookies, 'auth-unavailable');
  return null;
}
