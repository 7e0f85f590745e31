// The dev OIDC provider, exercised through real HTTP logins as the web and the tests use it.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';
import { freePort } from '../services/free-port.ts';
import {
  CookieJar,
  loginWithCodeFlow,
  logoutFromProvider,
  OidcLoginError,
  refreshTokens,
} from '../testing/oidc-login.ts';
import { type DevOidc, LOGIN_ERROR_MESSAGE, startDevOidc } from './provider.ts';

const client = { clientId: 'weltgewebe-web', clientSecret: 'dev-secret' };
const redirectUri = 'http://localhost:8080/auth/callback';
const postLogoutRedirectUri = 'http://localhost:8080/';

interface RealmClaims extends JWTPayload {
  realm_access?: { roles?: string[] };
  preferred_username?: string;
  name?: string;
  email?: string;
}

let dir: string;
let keysFile: string;
let oidc: DevOidc;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weltgewebe-oidc-'));
  keysFile = join(dir, 'jwks.json');
  oidc = await startDevOidc({ port: 0, keysFile, log: false });
});

afterAll(async () => {
  await oidc?.stop();
  await rm(dir, { recursive: true, force: true });
});

function login(username: string, password = 'demo', jar?: CookieJar) {
  return loginWithCodeFlow({
    issuer: oidc.issuer,
    ...client,
    redirectUri,
    username,
    password,
    jar,
  });
}

async function currentJwks(provider: DevOidc = oidc) {
  const response = await fetch(`${provider.issuer}/jwks`);
  return (await response.json()) as { keys: Array<{ kid: string; d?: string }> };
}

async function verifyAccessToken(token: string, provider: DevOidc = oidc) {
  const { payload } = await jwtVerify<RealmClaims>(
    token,
    createLocalJWKSet(await currentJwks(provider)),
    { issuer: provider.issuer, audience: 'weltgewebe', algorithms: ['RS256'] },
  );
  return payload;
}

describe('dev OIDC provider', () => {
  test('discovery announces S256 PKCE, logout and the issuer with the real port', async () => {
    expect(oidc.port).toBeGreaterThan(0);
    expect(oidc.issuer).toBe(`http://localhost:${oidc.port}`);
    const response = await fetch(`${oidc.issuer}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const discovery = await response.json();
    expect(discovery.issuer).toBe(oidc.issuer);
    expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
    expect(discovery.end_session_endpoint).toBe(`${oidc.issuer}/session/end`);
    expect(discovery.jwks_uri).toBe(`${oidc.issuer}/jwks`);
    expect(discovery.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['client_secret_basic', 'client_secret_post']),
    );
  });

  test('the public JWKS carries no private key material', async () => {
    const { keys } = await currentJwks();
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key.d).toBeUndefined();
  });

  test('answers health probes', async () => {
    for (const path of ['/health/live', '/health/ready']) {
      const response = await fetch(`${oidc.issuer}${path}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
    }
  });

  test('the login page is our German form', async () => {
    const authorize = new URL(`${oidc.issuer}/auth`);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    const start = await fetch(authorize, { redirect: 'manual' });
    expect(start.status).toBe(303);
    const page = await fetch(new URL(start.headers.get('location')!, authorize), {
      headers: {
        cookie: start.headers
          .getSetCookie()
          .map((c) => c.split(';')[0])
          .join('; '),
      },
    });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<title>Bei Weltgewebe anmelden</title>');
    expect(html).toMatch(
      /<label for="login">Benutzername<\/label>\s*<input id="login" name="login"/,
    );
    expect(html).toMatch(
      /<label for="password">Passwort<\/label>\s*<input id="password" name="password" type="password"/,
    );
    expect(html).toContain('<button type="submit">Anmelden</button>');
    expect(html).not.toMatch(/https?:\/\//);
  });

  test('a weaver logs in and gets an RS256 JWT with Keycloak-shaped claims', async () => {
    const tokens = await login('weaver');
    expect(decodeProtectedHeader(tokens.accessToken).alg).toBe('RS256');
    const claims = await verifyAccessToken(tokens.accessToken);
    expect(claims.sub).toBe('demo-weaver');
    expect(claims.realm_access?.roles).toEqual(['reader', 'weaver']);
    expect(claims.preferred_username).toBe('weaver');
    expect(claims.name).toBe('Wim Weber');
    expect(claims.email).toBe('weaver@weltgewebe.test');
    // Short-lived: sign-out revokes at once, but a stolen token lives at most this long.
    expect(claims.exp! - claims.iat!).toBe(300);
    expect(tokens.expiresIn).toBe(300);
    // The provider's session rides along, as in Keycloak's tokens: sign-out revokes by it.
    expect(typeof claims.sid).toBe('string');
    expect((claims.sid as string).length).toBeGreaterThan(10);

    const { payload: idClaims } = await jwtVerify<RealmClaims>(
      tokens.idToken,
      createLocalJWKSet(await currentJwks()),
      { issuer: oidc.issuer, audience: client.clientId },
    );
    expect(idClaims.name).toBe('Wim Weber');
    expect(idClaims.preferred_username).toBe('weaver');
    expect(idClaims.realm_access?.roles).toEqual(['reader', 'weaver']);
  });

  test('a wrong password shows the German error and yields no code', async () => {
    const attempt = login('weaver', 'falsch');
    await expect(attempt).rejects.toBeInstanceOf(OidcLoginError);
    const error = (await attempt.catch((e: unknown) => e)) as OidcLoginError;
    expect(error.status).toBe(200);
    expect(error.html).toContain(LOGIN_ERROR_MESSAGE);
    expect(error.html).toContain('value="weaver"');
  });

  test('roles are cumulative per demo user', async () => {
    const reader = await verifyAccessToken((await login('reader')).accessToken);
    expect(reader.realm_access?.roles).toEqual(['reader']);
    expect(reader.realm_access?.roles).not.toContain('weaver');
    const admin = await verifyAccessToken((await login('admin')).accessToken);
    expect(admin.realm_access?.roles).toEqual(['reader', 'weaver', 'admin']);
    expect(admin.name).toBe('Ada Admin');
  });

  test('a refresh token yields a new access token', async () => {
    const tokens = await login('reader');
    expect(tokens.refreshToken).toBeString();
    const refreshed = await refreshTokens({
      issuer: oidc.issuer,
      ...client,
      refreshToken: tokens.refreshToken!,
    });
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    const claims = await verifyAccessToken(refreshed.accessToken);
    expect(claims.sub).toBe('demo-reader');
    expect(claims.realm_access?.roles).toEqual(['reader']);
  });

  test('the token endpoint also accepts client_secret_post', async () => {
    const tokens = await login('reader');
    const response = await fetch(`${oidc.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: tokens.refreshToken!,
        client_id: client.clientId,
        client_secret: client.clientSecret,
      }),
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect((await verifyAccessToken(body.access_token)).sub).toBe('demo-reader');
  });

  test('a wrong client secret is refused', async () => {
    const attempt = loginWithCodeFlow({
      issuer: oidc.issuer,
      clientId: client.clientId,
      clientSecret: 'wrong',
      redirectUri,
      username: 'reader',
      password: 'demo',
    });
    await expect(attempt).rejects.toThrow(/invalid_client/);
  });

  test('logout ends the session and returns to the post-logout redirect URI', async () => {
    const jar = new CookieJar();
    const tokens = await login('weaver', 'demo', jar);
    // While the session lives the provider signs in again without asking.
    await expect(login('weaver', 'not-asked', jar)).resolves.toHaveProperty('accessToken');

    const landing = await logoutFromProvider({
      issuer: oidc.issuer,
      idToken: tokens.idToken,
      postLogoutRedirectUri,
      jar,
    });
    expect(landing.href).toBe(postLogoutRedirectUri);
    await expect(login('weaver', 'not-asked', jar)).rejects.toBeInstanceOf(OidcLoginError);
  });

  test('keys persist across a restart with the same keys file', async () => {
    const before = await login('weaver');
    const stored = JSON.parse(await readFile(keysFile, 'utf8'));
    expect(stored.keys[0].d).toBeString();

    const port = oidc.port;
    await oidc.stop();
    oidc = await startDevOidc({ port, keysFile, log: false });
    expect(oidc.issuer).toBe(`http://localhost:${port}`);

    const claims = await verifyAccessToken(before.accessToken);
    expect(claims.sub).toBe('demo-weaver');
    const after = await login('weaver');
    expect(decodeProtectedHeader(after.accessToken).kid).toBe(
      decodeProtectedHeader(before.accessToken).kid!,
    );
  });

  test('rotateKeys signs new tokens with a new kid and keeps the old one published', async () => {
    const before = await login('admin');
    const oldKid = decodeProtectedHeader(before.accessToken).kid!;

    const newKid = await oidc.rotateKeys();
    expect(newKid).not.toBe(oldKid);

    const after = await login('admin');
    expect(decodeProtectedHeader(after.accessToken).kid).toBe(newKid);
    const kids = (await currentJwks()).keys.map((key) => key.kid);
    expect(kids).toEqual(expect.arrayContaining([newKid, oldKid]));
    expect((await verifyAccessToken(before.accessToken)).sub).toBe('demo-admin');
    expect((await verifyAccessToken(after.accessToken)).sub).toBe('demo-admin');

    // Sessions and refresh tokens survive the rotation.
    const refreshed = await refreshTokens({
      issuer: oidc.issuer,
      ...client,
      refreshToken: before.refreshToken!,
    });
    expect(decodeProtectedHeader(refreshed.accessToken).kid).toBe(newKid);

    const stored = JSON.parse(await readFile(keysFile, 'utf8'));
    expect(stored.keys.map((key: { kid: string }) => key.kid).slice(0, 2)).toEqual([
      newKid,
      oldKid,
    ]);
  });
});

describe('dev OIDC provider with a path in its issuer', () => {
  test('serves every endpoint below that path', async () => {
    const port = await freePort();
    const mounted = await startDevOidc({
      port,
      issuer: `http://localhost:${port}/oidc`,
      log: false,
    });
    try {
      const discovery = await (
        await fetch(`${mounted.issuer}/.well-known/openid-configuration`)
      ).json();
      expect(discovery.issuer).toBe(`http://localhost:${port}/oidc`);
      expect(discovery.authorization_endpoint).toBe(`http://localhost:${port}/oidc/auth`);
      const tokens = await loginWithCodeFlow({
        issuer: mounted.issuer,
        ...client,
        redirectUri,
        username: 'reader',
        password: 'demo',
      });
      expect((await verifyAccessToken(tokens.accessToken, mounted)).sub).toBe('demo-reader');
      expect((await fetch(`http://localhost:${port}/auth`)).status).toBe(404);
    } finally {
      await mounted.stop();
    }
  });
});
