// The dev OIDC provider's environment: defaults that match the local stack, readable errors.

import { describe, expect, test } from 'bun:test';
import { devOidcOptionsFromEnv, loadOidcEnv } from './env.ts';

describe('dev OIDC env', () => {
  test('defaults fit the local stack', () => {
    const options = devOidcOptionsFromEnv(loadOidcEnv({}), '/srv/app');
    expect(options).toMatchObject({
      port: 3003,
      issuer: undefined,
      clientId: 'weltgewebe-web',
      clientSecret: 'dev-secret',
      redirectUris: ['http://localhost:8080/auth/callback'],
      postLogoutRedirectUris: ['http://localhost:8080/'],
      audience: 'weltgewebe',
      keysFile: '/srv/app/.data/oidc/jwks.json',
      accessTokenTtlSeconds: 300,
      log: true,
    });
  });

  test('comma lists are split and trimmed', () => {
    const env = loadOidcEnv({
      OIDC_REDIRECT_URIS:
        'http://localhost:3000/auth/callback, http://127.0.0.1:8080/auth/callback',
      OIDC_ISSUER: 'http://127.0.0.1:3003',
    });
    expect(env.OIDC_REDIRECT_URIS).toEqual([
      'http://localhost:3000/auth/callback',
      'http://127.0.0.1:8080/auth/callback',
    ]);
    expect(env.OIDC_ISSUER).toBe('http://127.0.0.1:3003');
  });

  test('every bad variable is listed at once', () => {
    expect(() =>
      loadOidcEnv({
        OIDC_PORT: 'abc',
        OIDC_REDIRECT_URIS: 'not a url',
        OIDC_ACCESS_TOKEN_TTL: '-5',
      }),
    ).toThrow(/OIDC_PORT[\s\S]*OIDC_REDIRECT_URIS[\s\S]*OIDC_ACCESS_TOKEN_TTL/);
  });
});
