// Who is calling: a bearer token, or the web's HttpOnly access-token cookie. Cookie-borne
// mutations must come from one of our own origins (CSRF guard).
import {
  ApiError,
  type AuthIdentity,
  bearerToken,
  type JwtVerifier,
  SessionRevoked,
  TokenRejected,
} from '@weltgewebe/kit';

export const ACCESS_COOKIE = 'wg_at';

export function cookieValue(headers: Headers, name: string): string | null {
  const header = headers.get('cookie');
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== name) continue;
    const value = v.join('=');
    try {
      return decodeURIComponent(value);
    } catch {
      // Broken %-escapes: hand the raw value on, the verifier refuses it as a bad token.
      return value;
    }
  }
  return null;
}

export interface CallerAuth {
  identity: AuthIdentity | null;
  via: 'header' | 'cookie' | null;
}

export async function identifyCaller(request: Request, verifier: JwtVerifier): Promise<CallerAuth> {
  const header = bearerToken(request.headers);
  const cookie = header === null ? cookieValue(request.headers, ACCESS_COOKIE) : null;
  const token = header ?? cookie;
  if (token === null) return { identity: null, via: null };
  try {
    return { identity: await verifier.verify(token), via: header !== null ? 'header' : 'cookie' };
  } catch (error) {
    // Signed out (elsewhere, or in this very browser a moment ago): a code of its own, so a
    // client can tell "sign in again" from "renew the token"; still a 401 (UNAUTHORIZED).
    if (error instanceof SessionRevoked) {
      throw new ApiError(
        'SESSION_REVOKED',
        'UNAUTHORIZED',
        'Du hast dich abgemeldet. Bitte melde dich neu an.',
      );
    }
    if (error instanceof TokenRejected) {
      throw new ApiError(
        'INVALID_TOKEN',
        'UNAUTHORIZED',
        'Dein Zugang ist ungültig oder abgelaufen. Bitte melde dich neu an.',
      );
    }
    throw new ApiError(
      'AUTH_UNAVAILABLE',
      'SERVICE_UNAVAILABLE',
      'Der Anmeldedienst ist gerade nicht erreichbar.',
    );
  }
}

/** A state-changing request authenticated by cookie must carry a same-origin Origin or Referer. */
export function sameOriginAllowed(request: Request, allowedOrigins: string[]): boolean {
  const origin = request.headers.get('origin');
  if (origin) return allowedOrigins.includes(origin);
  const referer = request.headers.get('referer');
  if (!referer) return false;
  try {
    return allowedOrigins.includes(new URL(referer).origin);
  } catch {
    return false;
  }
}
