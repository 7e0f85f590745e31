// The shared JWT verifier against the real dev OIDC provider (behind a proxy that counts JWKS
// fetches): real tokens pass, every forged one is refused, key rotation is picked up without
// a restart, and made-up kids cannot make it hammer the provider's JWKS.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import {
  createJwtVerifier,
  KeysUnavailable,
  revocationFor,
  SessionRevocations,
  SessionRevoked,
  TokenRejected,
} from '@weltgewebe/kit';
import { startTokenAttacks, type TokenAttackSetup } from '../testing/token-attacks.ts';
import { keycloakClaims, signToken } from '../testing/token-forge.ts';

let forge: TokenAttackSetup;

/** What verify() threw, or 'accepted'. */
/** Waits (bounded) until the provider has seen `count` JWKS fetches since `before`: a background fetch is asynchronous. */
async function fetchesReach(
  before: number,
  count: number,
  provider: { jwksFetches(): number },
): Promise<number> {
  const deadline = Date.now() + 5_000;
  while (provider.jwksFetches() - before < count && Date.now() < deadline) await Bun.sleep(20);
  // A little longer, so that a second (unwanted) fetch would be counted too.
  await Bun.sleep(100);
  return provider.jwksFetches() - before;
}

async function outcome(verify: Promise<unknown>): Promise<string> {
  try {
    await verify;
    return 'accepted';
  } catch (error) {
    if (error instanceof TokenRejected) return 'rejected';
    if (error instanceof KeysUnavailable) return 'keys unavailable';
    return `threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  }
}

beforeAll(async () => {
  forge = await startTokenAttacks();
});
afterAll(async () => {
  await forge.stop();
});

describe('a verifier for the dev provider', () => {
  test('accepts a real access token from the code flow, with name and roles', async () => {
    const { accessToken } = await forge.login('weaver');
    const identity = await forge.verifier().verify(accessToken);
    expect(identity).toMatchObject({
      subject: 'demo-weaver',
      name: 'Wim Weber',
      roles: ['reader', 'weaver'],
      role: 'weaver',
      email: 'weaver@weltgewebe.test',
    });
  });

  test('accepts a token signed with the provider key and good claims (the control case)', async () => {
    const token = await forge.goodToken({ roles: ['reader', 'weaver', 'admin'] });
    expect((await forge.verifier().verify(token)).role).toBe('admin');
  });

  test('every attack token is refused as a bad token, none with any other error', async () => {
    const verifier = forge.verifier();
    await verifier.ready();
    const results: Record<string, string> = {};
    for (const attack of forge.attacks)
      results[attack.name] = await outcome(verifier.verify(attack.token));
    const expected = Object.fromEntries(forge.attacks.map((a) => [a.name, 'rejected']));
    expect(results).toEqual(expected);
    expect(forge.attacks.length).toBeGreaterThanOrEqual(40);
  });

  test('the clock leeway: just expired or just not-yet-valid still passes, beyond it not', async () => {
    const verifier = forge.verifier({ clockToleranceSeconds: 30 });
    const t = Math.floor(Date.now() / 1000);
    const sign = (claims: Record<string, number>) => forge.goodToken(claims);
    expect(await outcome(verifier.verify(await sign({ iat: t - 600, exp: t - 10 })))).toBe(
      'accepted',
    );
    expect(await outcome(verifier.verify(await sign({ nbf: t + 10 })))).toBe('accepted');
    expect(await outcome(verifier.verify(await sign({ iat: t - 600, exp: t - 40 })))).toBe(
      'rejected',
    );
    expect(await outcome(verifier.verify(await sign({ nbf: t + 40 })))).toBe('rejected');
  });

  test('unreachable keys are "try again later", not a bad token', async () => {
    forge.provider.setJwksAvailable(false);
    try {
      const token = await forge.goodToken();
      expect(await outcome(forge.verifier().verify(token))).toBe('keys unavailable');
    } finally {
      forge.provider.setJwksAvailable(true);
    }
    const dead = createJwtVerifier({
      issuer: 'http://127.0.0.1:9',
      audience: 'weltgewebe',
      roleClaimPath: 'realm_access.roles',
    });
    const token = await signToken(keycloakClaims('http://127.0.0.1:9'), forge.providerKey);
    expect(await outcome(dead.verify(token))).toBe('keys unavailable');
    // Malformed tokens are refused before the provider is ever asked.
    expect(await outcome(dead.verify('garbage'))).toBe('rejected');
  });
});

describe('key rotation and the JWKS refetch limit', () => {
  test('a rotated key is picked up without a restart, one fetch for many waiting requests', async () => {
    const verifier = forge.verifier();
    const before = await forge.login('reader');
    await verifier.verify(before.accessToken);
    const fetchesBefore = forge.provider.jwksFetches();

    const newKid = await forge.provider.oidc.rotateKeys();
    const after = await forge.login('admin');
    expect(
      JSON.parse(Buffer.from(after.accessToken.split('.')[0]!, 'base64url').toString()).kid,
    ).toBe(newKid);
    // Twenty requests with the new kid at once: all pass, the JWKS is fetched once.
    const identities = await Promise.all(
      Array.from({ length: 20 }, () => verifier.verify(after.accessToken)),
    );
    expect(identities.every((i) => i.role === 'admin')).toBe(true);
    expect(forge.provider.jwksFetches() - fetchesBefore).toBe(1);
    // Tokens signed with the old key still verify (the provider keeps publishing it).
    expect((await verifier.verify(before.accessToken)).subject).toBe('demo-reader');
    expect(forge.provider.jwksFetches() - fetchesBefore).toBe(1);
  });

  test('a flood of made-up kids fetches the JWKS at most once per cooldown', async () => {
    const verifier = forge.verifier({ jwksRefetchCooldownMs: 10_000 });
    await verifier.ready();
    await verifier.verify(await forge.goodToken());
    const fetchesBefore = forge.provider.jwksFetches();

    const flood = await forge.unknownKidTokens(300);
    const burst = await Promise.all(flood.map((token) => outcome(verifier.verify(token))));
    expect(new Set(burst)).toEqual(new Set(['rejected']));
    for (const token of flood.slice(0, 100))
      expect(await outcome(verifier.verify(token))).toBe('rejected');
    expect(forge.provider.jwksFetches() - fetchesBefore).toBe(1);
  });

  test('after the cooldown the next unknown kid may look again, so a rotation is still found', async () => {
    const verifier = forge.verifier({ jwksRefetchCooldownMs: 300 });
    await verifier.verify(await forge.goodToken());
    for (const token of await forge.unknownKidTokens(50)) await outcome(verifier.verify(token));
    const fetchesAfterFlood = forge.provider.jwksFetches();

    await forge.provider.oidc.rotateKeys();
    const fresh = await forge.login('weaver');
    // Within the cooldown the new kid is not looked up yet (the price of the limit) ...
    const soon = await outcome(verifier.verify(fresh.accessToken));
    await Bun.sleep(350);
    // ... after it, it is.
    expect(await outcome(verifier.verify(fresh.accessToken))).toBe('accepted');
    expect(['accepted', 'rejected']).toContain(soon);
    expect(forge.provider.jwksFetches() - fetchesAfterFlood).toBeLessThanOrEqual(2);
  });
});

describe('keys past their age', () => {
  test('are used while fresh ones are fetched, so a provider that is down signs nobody out', async () => {
    const verifier = forge.verifier({ jwksMaxAgeMs: 200, jwksRefetchCooldownMs: 300 });
    const token = await forge.goodToken();
    await verifier.verify(token);
    forge.provider.setJwksAvailable(false);
    try {
      await Bun.sleep(250);
      const fetchesBefore = forge.provider.jwksFetches();
      for (let i = 0; i < 20; i++) expect(await outcome(verifier.verify(token))).toBe('accepted');
      // Kept tokens answer without waiting: give the background attempt time to arrive.
      await Bun.sleep(50);
      // One background attempt, not one per request.
      expect(await fetchesReach(fetchesBefore, 1, forge.provider)).toBe(1);
    } finally {
      forge.provider.setJwksAvailable(true);
    }
    await Bun.sleep(350);
    const fetchesBefore = forge.provider.jwksFetches();
    expect(await outcome(verifier.verify(token))).toBe('accepted');
    expect(await fetchesReach(fetchesBefore, 1, forge.provider)).toBe(1);
  });
});

describe('verified tokens kept (a token sent again is not checked again)', () => {
  test('a kept token is refused once its session is signed out, and once it has expired', async () => {
    const revocations = new SessionRevocations();
    revocations.markLoaded();
    const verifier = forge.verifier({ revocations, clockToleranceSeconds: 0 });
    const t = Math.floor(Date.now() / 1000);
    const session = await forge.goodToken({ sid: 'session-kept', iat: t });
    const shortLived = await forge.goodToken({ sid: 'session-short', iat: t, exp: t + 2 });
    expect(await outcome(verifier.verify(session))).toBe('accepted');
    expect(await outcome(verifier.verify(shortLived))).toBe('accepted');
    expect(await outcome(verifier.verify(session))).toBe('accepted');
    expect(verifier.cachedTokens()).toBe(2);

    revocations.apply(
      revocationFor({ subject: 'demo-reader', sessionId: 'session-kept' }, new Date()),
    );
    const signedOut = await verifier.verify(session).catch((e: unknown) => e);
    expect(signedOut).toBeInstanceOf(SessionRevoked);

    await Bun.sleep((t + 2) * 1000 - Date.now() + 50);
    expect(await outcome(verifier.verify(shortLived))).toBe('rejected');
  });

  test('at most verifiedCacheEntries are kept; 0 keeps none', async () => {
    const bounded = forge.verifier({ verifiedCacheEntries: 3 });
    const tokens = await Promise.all(
      Array.from({ length: 5 }, (_, i) => forge.goodToken({ sub: `cache-${i}` })),
    );
    for (const token of tokens) await bounded.verify(token);
    expect(bounded.cachedTokens()).toBe(3);
    const off = forge.verifier({ verifiedCacheEntries: 0 });
    for (const token of tokens) await off.verify(token);
    expect(off.cachedTokens()).toBe(0);
    expect((await off.verify(tokens[4]!)).subject).toBe('cache-4');
  });
});
