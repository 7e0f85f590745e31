// Names and attributes of the cookies that carry a session. Tokens never reach browser JS.
import type { Cookies } from '@sveltejs/kit';
import { type FlashCode, isFlashCode } from '$lib/flash';
import { env } from './env';
import type { PendingLogin, SessionTokens } from './oidc';

export const cookieNames = {
  accessToken: 'wg_at',
  refreshToken: 'wg_rt',
  idToken: 'wg_idt',
  pendingLogin: 'wg_oidc',
  flash: 'wg_flash',
} as const;

const sessionMaxAge = 60 * 60 * 24 * 30;

const base = () =>
  ({ path: '/', httpOnly: true, sameSite: 'lax', secure: env.secureCookies }) as const;

export function setSessionCookies(cookies: Cookies, tokens: SessionTokens): void {
  const options = { ...base(), maxAge: sessionMaxAge };
  cookies.set(cookieNames.accessToken, tokens.accessToken, options);
  if (tokens.refreshToken) cookies.set(cookieNames.refreshToken, tokens.refreshToken, options);
  else cookies.delete(cookieNames.refreshToken, base());
  if (tokens.idToken) cookies.set(cookieNames.idToken, tokens.idToken, options);
}

export function clearSessionCookies(cookies: Cookies): void {
  for (const name of [cookieNames.accessToken, cookieNames.refreshToken, cookieNames.idToken]) {
    cookies.delete(name, base());
  }
}

export function readSessionCookies(cookies: Cookies) {
  return {
    accessToken: cookies.get(cookieNames.accessToken),
    refreshToken: cookies.get(cookieNames.refreshToken),
    idToken: cookies.get(cookieNames.idToken),
  };
}

// The pending login lives only on /auth paths and only for ten minutes.
const pendingOptions = () => ({ ...base(), path: '/auth', maxAge: 600 });

export function setPendingLogin(cookies: Cookies, pending: PendingLogin): void {
  const value = Buffer.from(JSON.stringify(pending)).toString('base64url');
  cookies.set(cookieNames.pendingLogin, value, pendingOptions());
}

export function takePendingLogin(cookies: Cookies): PendingLogin | null {
  const value = cookies.get(cookieNames.pendingLogin);
  if (!value) return null;
  cookies.delete(cookieNames.pendingLogin, pendingOptions());
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (
      parsed &&
      typeof parsed === 'object' &&
      'state' in parsed &&
      'nonce' in parsed &&
      'codeVerifier' in parsed &&
      'returnTo' in parsed &&
      typeof parsed.state === 'string' &&
      typeof parsed.nonce === 'string' &&
      typeof parsed.codeVerifier === 'string' &&
      typeof parsed.returnTo === 'string'
    ) {
      return {
        state: parsed.state,
        nonce: parsed.nonce,
        codeVerifier: parsed.codeVerifier,
        returnTo: parsed.returnTo,
      };
    }
  } catch {
    // A mangled cookie is treated like a missing one.
  }
  return null;
}

export function setFlash(cookies: Cookies, code: FlashCode): void {
  cookies.set(cookieNames.flash, code, { ...base(), maxAge: 120 });
}

export function takeFlash(cookies: Cookies): FlashCode | null {
  const value = cookies.get(cookieNames.flash);
  if (!value) return null;
  cookies.delete(cookieNames.flash, base());
  return isFlashCode(value) ? value : null;
}
