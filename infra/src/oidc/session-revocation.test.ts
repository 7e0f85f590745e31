// Sign-out at the verifier (infra/kit/src/revocations.ts): once a session is on the list its
// tokens — the one signed out with and every one refreshed from it — are refused with
// SessionRevoked, while the person's other sessions and everyone else keep working. Providers
// without `sid` in access tokens (Zitadel) fall back to subject + issued-before.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import {
  createJwtVerifier,
  KeysUnavailable,
  revocationFor,
  SessionRevocations,
  SessionRevoked,
  TokenRejected,
} from '@weltgewebe/kit';
import { decodeJwt } from 'jose';
import { TEST_CLIENT } from '../testing/auth.ts';
import { refreshTokens } from '../testing/oidc-login.ts';
import { startTokenAttacks, type TokenAttackSetup } from '../testing/token-attacks.ts';
import { type StaticIssuer, startStaticIssuer } from '../testing/token-forge.ts';

let forge: TokenAttackSetup;
let zitadel: StaticIssuer;

async function outcome(verify: Promise<unknown>): Promise<string> {
  try {
    await verify;
    return 'accepted';
  } catch (error) {
    if (error instanceof SessionRevoked) return 'revoked';
    if (error instanceof TokenRejected) return 'rejected';
    if (error instanceof KeysUnavailable) return 'unavailable';
    return `threw ${String(error)}`;
  }
}

const loadedList = () => {
  const list = new SessionRevocations();
  list.markLoaded();
  return list;
};

beforeAll(async () => {
  [forge, zitadel] = await Promise.all([startTokenAttacks(), startStaticIssuer()]);
});
afterAll(async () => {
  await Promise.all([forge.stop(), zitadel.stop()]);
});

describe('sign-out by session (dev provider, as Keycloak: `sid` in the access token)', () => {
  test('the signed-out session is refused, refreshed tokens too; another session is not', async () => {
    const list = loadedList();
    const verifier = forge.verifier({ revocations: list });
    const phone = await forge.login('weaver');
    const laptop = await forge.login('weaver');
    const signedOut = await verifier.verify(phone.accessToken);
    expect(signedOut.sessionId).toBeString();
    expect(signedOut.sessionId).not.toBe((await verifier.verify(laptop.accessToken)).sessionId);

    list.apply(revocationFor(signedOut, new Date()));
    expect(await outcome(verifier.verify(phone.accessToken))).toBe('revoked');
    // A token refreshed from the same session (before the refresh token was ended) as well.
    const refreshed = await refreshTokens({
      issuer: forge.provider.issuer,
      ...TEST_CLIENT,
      refreshToken: phone.refreshToken!,
    });
    expect(decodeJwt(refreshed.accessToken).sid).toBe(signedOut.sessionId!);
    expect(await outcome(verifier.verify(refreshed.accessToken))).toBe('revoked');
    // The same person's other sign-in, and other people, carry on.
    expect(await outcome(verifier.verify(laptop.accessToken))).toBe('accepted');
    const reader = await forge.login('reader');
    expect(await outcome(verifier.verify(reader.accessToken))).toBe('accepted');
    // A verifier without the list (another service) is not affected: the list is the rule.
    expect(await outcome(forge.verifier().verify(phone.accessToken))).toBe('accepted');
  });

  test('until the list has been read, signed-in requests are unavailable, not let through', async () => {
    const list = new SessionRevocations();
    const verifier = forge.verifier({ revocations: list });
    const { accessToken } = await forge.login('reader');
    expect(await outcome(verifier.verify(accessToken))).toBe('unavailable');
    list.markLoaded();
    expect(await outcome(verifier.verify(accessToken))).toBe('accepted');
  });

  test('a revocation that has run out is forgotten', async () => {
    let now = Date.now();
    const list = new SessionRevocations(() => now);
    list.markLoaded();
    list.apply({
      kind: 'session',
      key: 'sid-1',
      issuedBefore: null,
      until: new Date(now + 60_000).toISOString(),
    });
    expect(list.isRevoked({ subject: 's', sessionId: 'sid-1' })).toBe(true);
    now += 61_000;
    expect(list.isRevoked({ subject: 's', sessionId: 'sid-1' })).toBe(false);
    expect(list.prune()).toBe(0);
  });
});

describe('sign-out by subject (Zitadel-shaped tokens: no `sid`)', () => {
  const claims = (sub: string, iat: number) => ({
    iss: zitadel.issuer,
    sub,
    aud: ['weltgewebe'],
    iat,
    exp: iat + 300,
    'urn:zitadel:iam:org:project:roles': { reader: {} },
  });

  test('tokens issued up to the sign-out are refused, later ones and other people are not', async () => {
    const list = loadedList();
    const verifier = createJwtVerifier({
      issuer: zitadel.issuer,
      audience: 'weltgewebe',
      roleClaimPath: 'urn:zitadel:iam:org:project:roles',
      revocations: list,
    });
    const now = Math.floor(Date.now() / 1000);
    const before = await zitadel.sign(claims('zitadel-user', now - 60));
    const identity = await verifier.verify(before);
    expect(identity.sessionId).toBeUndefined();

    const revocation = revocationFor(identity, new Date((now - 30) * 1000));
    expect(revocation.kind).toBe('subject');
    // The event and the table carry a hash, never the subject itself.
    expect(revocation.key).not.toContain('zitadel-user');
    list.apply(revocation);

    expect(await outcome(verifier.verify(before))).toBe('revoked');
    const after = await zitadel.sign(claims('zitadel-user', now - 10));
    expect(await outcome(verifier.verify(after))).toBe('accepted');
    const someoneElse = await zitadel.sign(claims('another-user', now - 60));
    expect(await outcome(verifier.verify(someoneElse))).toBe('accepted');
  });
});
