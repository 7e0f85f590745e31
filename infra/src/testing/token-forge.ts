// Forged and foreign tokens for the auth tests: the dev OIDC provider behind a proxy that
// counts JWKS fetches (its private keys read from its keys file, so tests can sign tokens
// the provider could have issued), a tiny issuer that only serves a JWKS (tokens shaped as
// Keycloak or Zitadel issue them), and the attack tokens every verifier must refuse.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';
import { type DevOidc, startDevOidc } from '../oidc/provider.ts';

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
  privateJwk: JWK;
}

const b64url = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** A fresh key pair of our own (never published by any provider we trust). */
export async function ownKey(alg: SigningKey['alg'] = 'RS256', kid?: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const id = kid ?? (await calculateJwkThumbprint(jwk));
  return {
    kid: id,
    alg,
    privateKey,
    publicKey,
    publicJwk: { ...jwk, kid: id, alg, use: 'sig' },
    privateJwk: await exportJWK(privateKey),
  };
}

export function signToken(
  claims: JWTPayload,
  key: Pick<SigningKey, 'kid' | 'alg' | 'privateKey'>,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header })
    .sign(key.privateKey);
}

/** Signs any header as given (jose refuses some we want to send, e.g. an unknown `crit`). */
export async function signRaw(
  header: Record<string, unknown>,
  claims: JWTPayload,
  key: Pick<SigningKey, 'privateKey'>,
): Promise<string> {
  const input = `${b64url(header)}.${b64url(claims)}`;
  const signature = await crypto.subtle.sign(
    'RSASSA-PKCS1-v1_5',
    key.privateKey,
    new TextEncoder().encode(input),
  );
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

/** Claims of a good access token as the dev provider (and Keycloak) would issue them. */
export function keycloakClaims(
  issuer: string,
  overrides: Partial<{ sub: string; roles: string[]; audience: string | string[] }> &
    JWTPayload = {},
): JWTPayload {
  const { sub = 'forge-reader', roles = ['reader'], audience = 'weltgewebe', ...rest } = overrides;
  return {
    iss: issuer,
    sub,
    aud: audience,
    azp: 'weltgewebe-web',
    typ: 'Bearer',
    iat: now(),
    exp: now() + 300,
    jti: crypto.randomUUID(),
    scope: 'openid profile email',
    name: `Forge ${sub}`,
    preferred_username: sub,
    realm_access: { roles },
    ...rest,
  };
}

// ---------------------------------------------------------------------------------------

export interface CountingProvider {
  /** The proxy's address, which is the provider's issuer. */
  issuer: string;
  oidc: DevOidc;
  /** JWKS fetches that went through the proxy so far. */
  jwksFetches(): number;
  /** While false the proxy answers 503 for the JWKS (the provider's keys are unreachable). */
  setJwksAvailable(available: boolean): void;
  /** The key the provider signs with now (the first in its keys file). */
  signingKey(): Promise<SigningKey>;
  stop(): Promise<void>;
}

/**
 * The real dev provider with a temporary keys file, reached only through a proxy on
 * 127.0.0.1 that counts requests to the JWKS endpoint.
 */
export async function startCountingProvider(
  options: { audience?: string } = {},
): Promise<CountingProvider> {
  const dir = await mkdtemp(join(tmpdir(), 'weltgewebe-forge-'));
  const keysFile = join(dir, 'jwks.json');
  let upstream = '';
  let jwksPath = '/jwks';
  let fetches = 0;
  let jwksAvailable = true;
  const proxy = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(request) {
      const url = new URL(request.url);
      if (url.pathname === jwksPath) {
        fetches++;
        if (!jwksAvailable) return new Response('unavailable', { status: 503 });
      }
      // The Host stays the proxy's: oidc-provider builds the URLs it advertises from it.
      const headers = new Headers(request.headers);
      headers.delete('content-length');
      const response = await fetch(`${upstream}${url.pathname}${url.search}`, {
        method: request.method,
        headers,
        body:
          request.method === 'GET' || request.method === 'HEAD'
            ? undefined
            : await request.arrayBuffer(),
        redirect: 'manual',
      });
      return new Response(response.body, { status: response.status, headers: response.headers });
    },
  });
  const issuer = `http://127.0.0.1:${proxy.port}`;
  const oidc = await startDevOidc({
    port: 0,
    hostname: '127.0.0.1',
    issuer,
    keysFile,
    log: false,
    ...(options.audience ? { audience: options.audience } : {}),
  });
  upstream = `http://127.0.0.1:${oidc.port}`;
  const discovery = (await (
    await fetch(`${upstream}/.well-known/openid-configuration`)
  ).json()) as { jwks_uri: string };
  jwksPath = new URL(discovery.jwks_uri).pathname;

  return {
    issuer,
    oidc,
    jwksFetches: () => fetches,
    setJwksAvailable(available) {
      jwksAvailable = available;
    },
    async signingKey() {
      const { keys } = JSON.parse(await readFile(keysFile, 'utf8')) as { keys: JWK[] };
      const jwk = keys[0]!;
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk;
      return {
        kid: jwk.kid!,
        alg: 'RS256',
        privateKey: (await importJWK(jwk, 'RS256')) as CryptoKey,
        publicKey: (await importJWK(publicJwk, 'RS256')) as CryptoKey,
        publicJwk,
        privateJwk: jwk,
      };
    },
    async stop() {
      await oidc.stop();
      await proxy.stop(true);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------

export interface StaticIssuer {
  issuer: string;
  key: SigningKey;
  jwksFetches(): number;
  sign(claims: JWTPayload, header?: Record<string, unknown>): Promise<string>;
  stop(): Promise<void>;
}

/**
 * An issuer that is nothing but discovery and a JWKS over real HTTP (Bun.serve), for
 * tokens shaped as another provider (Keycloak, Zitadel) issues them. `path` mimics an
 * issuer with a path, such as Keycloak's /realms/<name>.
 */
export async function startStaticIssuer(options: { path?: string } = {}): Promise<StaticIssuer> {
  const key = await ownKey('RS256');
  const path = (options.path ?? '').replace(/\/$/, '');
  let fetches = 0;
  let issuer = '';
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch(request) {
      const { pathname } = new URL(request.url);
      if (pathname === `${path}/.well-known/openid-configuration`) {
        return Response.json({
          issuer,
          jwks_uri: `${issuer}/keys`,
          id_token_signing_alg_values_supported: ['RS256'],
        });
      }
      if (pathname === `${path}/keys`) {
        fetches++;
        return Response.json({ keys: [key.publicJwk] });
      }
      return new Response('not found', { status: 404 });
    },
  });
  issuer = `http://127.0.0.1:${server.port}${path}`;
  return {
    issuer,
    key,
    jwksFetches: () => fetches,
    sign: (claims, header) => signToken(claims, key, { typ: 'JWT', ...header }),
    async stop() {
      await server.stop(true);
    },
  };
}

// ---------------------------------------------------------------------------------------

export interface AttackToken {
  name: string;
  token: string;
}

/**
 * Tokens that must all be refused by a verifier for `issuer` and `audience`, where
 * `providerKey` is the key the issuer really signs with. Each differs from a good token
 * (`keycloakClaims` signed with `providerKey`) in one way only.
 */
export async function attackTokens(input: {
  issuer: string;
  audience: string;
  providerKey: SigningKey;
  /** Leeway of the verifier; timestamps are set well beyond it. Default 30 s. */
  leewaySeconds?: number;
}): Promise<AttackToken[]> {
  const { issuer, audience, providerKey } = input;
  const beyond = (input.leewaySeconds ?? 30) + 90;
  // Overrides are spread last, so `undefined` removes a claim.
  const good = (overrides: JWTPayload = {}): JWTPayload => ({
    ...keycloakClaims(issuer, { sub: 'forge-attacker', audience }),
    ...overrides,
  });
  const byProvider = (claims: JWTPayload, header?: Record<string, unknown>) =>
    signToken(claims, providerKey, header);
  const mine = await ownKey('RS256');
  const myEc = await ownKey('ES256');
  const publicPem = await exportSPKI(providerKey.publicKey);
  const hs256 = (secret: string | Uint8Array, claims: JWTPayload) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: providerKey.kid, typ: 'at+jwt' })
      .sign(typeof secret === 'string' ? new TextEncoder().encode(secret) : secret);

  const readerToken = await byProvider(good({ realm_access: { roles: ['reader'] } }));
  const [readerHeader, , readerSignature] = readerToken.split('.');
  const adminPayload = b64url(good({ realm_access: { roles: ['reader', 'weaver', 'admin'] } }));
  const unsignedAdmin = (header: Record<string, unknown>, signature = '') =>
    `${b64url(header)}.${adminPayload}.${signature}`;

  const cases: Array<[string, string | Promise<string>]> = [
    ['alg none, no signature', unsignedAdmin({ alg: 'none', typ: 'JWT' })],
    ['alg none with a signature part', unsignedAdmin({ alg: 'none', typ: 'JWT' }, 'AAAA')],
    ['alg NoNe (case games)', unsignedAdmin({ alg: 'NoNe' }, readerSignature)],
    [
      'HS256 signed with the provider public key (PEM) as secret',
      hs256(publicPem, good({ realm_access: { roles: ['admin'] } })),
    ],
    [
      'HS256 signed with the provider public JWK as secret',
      hs256(JSON.stringify(providerKey.publicJwk), good({ realm_access: { roles: ['admin'] } })),
    ],
    [
      'HS256 signed with the modulus bytes as secret',
      hs256(
        Buffer.from(String(providerKey.publicJwk.n), 'base64url'),
        good({ realm_access: { roles: ['admin'] } }),
      ),
    ],
    [
      'RS512 by the provider key (alg not allowed)',
      importJWK({ ...providerKey.privateJwk, alg: 'RS512' }, 'RS512').then((key) =>
        new SignJWT(good())
          .setProtectedHeader({ alg: 'RS512', kid: providerKey.kid })
          .sign(key as CryptoKey),
      ),
    ],
    [
      'RS256 signature relabelled PS256',
      `${b64url({ alg: 'PS256', kid: providerKey.kid })}.${readerToken.split('.')[1]}.${readerSignature}`,
    ],
    ['expired beyond the leeway', byProvider(good({ iat: now() - 3600, exp: now() - beyond }))],
    ['not yet valid (nbf beyond the leeway)', byProvider(good({ nbf: now() + beyond }))],
    ['issued in the future', byProvider(good({ iat: now() + 3600, exp: now() + 7200 }))],
    ['wrong issuer', byProvider(good({ iss: 'https://evil.example/realms/weltgewebe' }))],
    ['issuer with a trailing slash', byProvider(good({ iss: `${issuer}/` }))],
    ['wrong audience', byProvider(good({ aud: 'someone-else' }))],
    ['no audience', byProvider(good({ aud: undefined }))],
    ['no subject', byProvider(good({ sub: undefined }))],
    ['empty subject', byProvider(good({ sub: '' }))],
    ['subject not a string', byProvider(good({ sub: 42 as unknown as string }))],
    ['no expiry', byProvider(good({ exp: undefined }))],
    ['expiry not a number', byProvider(good({ exp: 'tomorrow' as unknown as number }))],
    ['an ID token (typ ID)', byProvider(good({ typ: 'ID' }))],
    ['a refresh token (typ Refresh)', byProvider(good({ typ: 'Refresh' }))],
    [
      'tampered payload (reader promoted to admin)',
      `${readerHeader}.${adminPayload}.${readerSignature}`,
    ],
    [
      'signature of another token',
      `${readerHeader}.${adminPayload}.${(await byProvider(good())).split('.')[2]}`,
    ],
    ['signature stripped', `${readerHeader}.${adminPayload}.`],
    ['unknown kid, our own key', signToken(good({ realm_access: { roles: ['admin'] } }), mine)],
    [
      "the provider's kid, signed with our own key",
      signToken(good({ realm_access: { roles: ['admin'] } }), { ...mine, kid: providerKey.kid }),
    ],
    [
      'our own key embedded as jwk header',
      signToken(good({ realm_access: { roles: ['admin'] } }), mine, { jwk: mine.publicJwk }),
    ],
    [
      'jku pointing at a key set of ours',
      signToken(
        good({ realm_access: { roles: ['admin'] } }),
        { ...mine, kid: providerKey.kid },
        {
          jku: 'https://evil.example/jwks.json',
          x5u: 'https://evil.example/cert.pem',
        },
      ),
    ],
    ['ES256 with our own key', signToken(good(), myEc)],
    [
      'no kid at all, our own key',
      new SignJWT(good()).setProtectedHeader({ alg: 'RS256' }).sign(mine.privateKey),
    ],
    [
      'critical header the verifier does not know',
      signRaw(
        { alg: 'RS256', kid: providerKey.kid, crit: ['exp-v2'], 'exp-v2': 1 },
        good(),
        providerKey,
      ),
    ],
    [
      'oversized (valid signature, 10 kB of claims)',
      byProvider(good({ padding: 'x'.repeat(10_000) })),
    ],
    ['garbage', 'garbage'],
    ['three dots of garbage', 'a.b.c'],
    ['header that is not JSON', `${b64url('not json')}.${adminPayload}.${readerSignature}`],
    ['payload that is not JSON', `${readerHeader}.${b64url('[1,2')}.${readerSignature}`],
    ['payload that is an array', `${readerHeader}.${b64url([1, 2])}.${readerSignature}`],
    ['characters outside base64url', `${readerHeader}.${adminPayload}.${readerSignature}!`],
    ['a JWE (five parts)', `${readerHeader}.a.b.c.d`],
    ['empty', ''],
    ['64 kB of garbage', 'A'.repeat(65_536)],
  ];
  return Promise.all(cases.map(async ([name, token]) => ({ name, token: await token })));
}
