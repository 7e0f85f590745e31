// The OIDC client (authorization code + PKCE) for the web server, built on openid-client v6.
// Discovery runs lazily and is cached; a failed discovery is retried on the next call.
import * as client from 'openid-client';
import { env } from './env';

let configPromise: Promise<client.Configuration> | null = null;

export function oidcConfig(): Promise<client.Configuration> {
  if (!configPromise) {
    const issuer = new URL(env.OIDC_ISSUER);
    configPromise = client
      .discovery(
        issuer,
        env.OIDC_CLIENT_ID,
        { client_secret: env.OIDC_CLIENT_SECRET },
        // The OIDC registration default; Keycloak, Zitadel and oidc-provider all accept it.
        client.ClientSecretBasic(env.OIDC_CLIENT_SECRET),
        {
          execute: issuer.protocol === 'http:' ? [client.allowInsecureRequests] : [],
          timeout: 5,
        },
      )
      .catch((error: unknown) => {
        configPromise = null;
        throw error;
      });
  }
  return configPromise;
}

export const callbackUrl = (): string => `${env.ORIGIN}/auth/callback`;

/** What the callback needs to finish a login; kept in a short-lived HttpOnly cookie. */
export interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
}

export async function startLogin(returnTo: string): Promise<{ url: URL; pending: PendingLogin }> {
  const config = await oidcConfig();
  const pending: PendingLogin = {
    state: client.randomState(),
    nonce: client.randomNonce(),
    codeVerifier: client.randomPKCECodeVerifier(),
    returnTo,
  };
  const parameters: Record<string, string> = {
    redirect_uri: callbackUrl(),
    scope: env.OIDC_SCOPE,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await client.calculatePKCECodeChallenge(pending.codeVerifier),
    code_challenge_method: 'S256',
  };
  if (env.OIDC_RESOURCE) parameters.resource = env.OIDC_RESOURCE;
  return { url: client.buildAuthorizationUrl(config, parameters), pending };
}

export interface SessionTokens {
  accessToken: string;
  refreshToken: string | undefined;
  idToken: string | undefined;
}

function toSessionTokens(
  response: client.TokenEndpointResponse,
  previous?: { refreshToken: string; idToken: string | undefined },
): SessionTokens {
  return {
    accessToken: response.access_token,
    // Providers that do not rotate refresh tokens omit them on refresh; keep the old ones.
    refreshToken: response.refresh_token ?? previous?.refreshToken,
    idToken: response.id_token ?? previous?.idToken,
  };
}

export async function finishLogin(callbackParams: URLSearchParams, pending: PendingLogin) {
  const config = await oidcConfig();
  const currentUrl = new URL(callbackUrl());
  for (const [key, value] of callbackParams) currentUrl.searchParams.append(key, value);
  const extra: Record<string, string> = {};
  if (env.OIDC_RESOURCE) extra.resource = env.OIDC_RESOURCE;
  const response = await client.authorizationCodeGrant(
    config,
    currentUrl,
    {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    },
    extra,
  );
  return toSessionTokens(response);
}

// Several requests of one browser may find the same expired token at once; refresh it once.
const refreshing = new Map<string, Promise<SessionTokens>>();

export function refreshSession(refreshToken: string, idToken: string | undefined) {
  let pending = refreshing.get(refreshToken);
  if (!pending) {
    pending = (async () => {
      const config = await oidcConfig();
      const extra: Record<string, string> = {};
      if (env.OIDC_RESOURCE) extra.resource = env.OIDC_RESOURCE;
      const response = await client.refreshTokenGrant(config, refreshToken, extra);
      return toSessionTokens(response, { refreshToken, idToken });
    })().finally(() => {
      // Keep the result briefly so requests that were already in flight reuse it.
      setTimeout(() => refreshing.delete(refreshToken), 10_000).unref?.();
    });
    refreshing.set(refreshToken, pending);
  }
  return pending;
}

/**
 * Ends the refresh token at the provider (RFC 7009), so the session cannot be renewed even if
 * the browser never follows the logout redirect. False when the provider has no endpoint.
 */
export async function revokeRefreshToken(refreshToken: string): Promise<boolean> {
  const config = await oidcConfig();
  if (!config.serverMetadata().revocation_endpoint) return false;
  await client.tokenRevocation(config, refreshToken, { token_type_hint: 'refresh_token' });
  return true;
}

/** The provider's logout URL, or null when it has no end_session_endpoint. */
export async function endSessionUrl(idToken: string | undefined): Promise<URL | null> {
  const config = await oidcConfig();
  if (!config.serverMetadata().end_session_endpoint) return null;
  const parameters: Record<string, string> = {
    post_logout_redirect_uri: `${env.ORIGIN}/`,
    client_id: env.OIDC_CLIENT_ID,
  };
  if (idToken) parameters.id_token_hint = idToken;
  return client.buildEndSessionUrl(config, parameters);
}

// Failures that say "try again later" rather than "this session is over".
const transientCodes = new Set([
  '',
  'OAUTH_RESPONSE_IS_NOT_CONFORM',
  'OAUTH_TIMEOUT',
  'OAUTH_ABORT',
]);

/** True when the provider refused (e.g. invalid_grant), false when it was unreachable or broken. */
export function isRejectedByProvider(error: unknown): boolean {
  if (error instanceof client.ResponseBodyError) return true;
  if (error instanceof client.AuthorizationResponseError) return true;
  if (error instanceof client.ClientError) return !transientCodes.has(error.code ?? '');
  return false;
}
