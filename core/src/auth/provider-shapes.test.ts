// Tokens shaped exactly as Keycloak and Zitadel issue them, signed by a small issuer that
// serves its JWKS over real HTTP, through the core's real handler and role rules: the role
// claim path is configuration, the rules are the same (admin may create a weavery, a reader
// may not).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type StaticIssuer, startStaticIssuer } from '@weltgewebe/infra/testing';
import { createJwtVerifier } from '@weltgewebe/kit';
import { type CoreHarness, startCoreHarness } from '../testing/core-harness.ts';
import { failureOf } from '../testing/failure-of.ts';

type JWTPayload = Parameters<StaticIssuer['sign']>[0];

const ZITADEL_PROJECT = '290157640398143581';
const ZITADEL_ORG = '290157611868495965';
const ZITADEL_ROLES = 'urn:zitadel:iam:org:project:roles';

let keycloak: StaticIssuer;
let zitadel: StaticIssuer;
let kc: CoreHarness;
let zt: CoreHarness;

beforeAll(async () => {
  [keycloak, zitadel] = await Promise.all([
    startStaticIssuer({ path: '/realms/weltgewebe' }),
    startStaticIssuer(),
  ]);
  [kc, zt] = await Promise.all([
    startCoreHarness({
      verifier: createJwtVerifier({
        issuer: keycloak.issuer,
        audience: 'weltgewebe',
        roleClaimPath: 'realm_access.roles',
      }),
    }),
    startCoreHarness({
      verifier: createJwtVerifier({
        issuer: zitadel.issuer,
        audience: ZITADEL_PROJECT,
        roleClaimPath: ZITADEL_ROLES,
      }),
    }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([kc?.stop(), zt?.stop()]);
  await Promise.all([keycloak?.stop(), zitadel?.stop()]);
});

const now = () => Math.floor(Date.now() / 1000);

/** An access token as Keycloak 26 issues it for the weltgewebe-web client (realm roles expanded). */
function keycloakAccessToken(sub: string, realmRoles: string[], extra: JWTPayload = {}) {
  return keycloak.sign({
    exp: now() + 300,
    iat: now(),
    auth_time: now() - 5,
    jti: `onrtac:${crypto.randomUUID()}`,
    iss: keycloak.issuer,
    aud: ['weltgewebe', 'account'],
    sub,
    typ: 'Bearer',
    azp: 'weltgewebe-web',
    sid: crypto.randomUUID(),
    acr: '1',
    'allowed-origins': ['https://weltgewebe.example.org'],
    realm_access: {
      roles: ['default-roles-weltgewebe', 'offline_access', 'uma_authorization', ...realmRoles],
    },
    resource_access: { account: { roles: ['manage-account', 'view-profile'] } },
    scope: 'openid profile email offline_access',
    email_verified: true,
    name: `Keycloak ${sub.slice(0, 4)}`,
    preferred_username: `kc-${sub.slice(0, 4)}`,
    email: `${sub.slice(0, 4)}@example.org`,
    ...extra,
  });
}

/** A JWT access token as Zitadel issues it: project roles as an object keyed by role. */
function zitadelAccessToken(sub: string, roles: string[], extra: JWTPayload = {}) {
  const grant = Object.fromEntries(
    roles.map((r) => [r, { [ZITADEL_ORG]: 'weltgewebe.zitadel.example' }]),
  );
  return zitadel.sign({
    iss: zitadel.issuer,
    sub,
    aud: [ZITADEL_PROJECT, '290157803271493725@weltgewebe'],
    exp: now() + 43_200,
    iat: now(),
    nbf: now(),
    jti: '290158124718849117',
    client_id: '290157803271493725@weltgewebe',
    [ZITADEL_ROLES]: grant,
    [`urn:zitadel:iam:org:project:${ZITADEL_PROJECT}:roles`]: grant,
    'urn:zitadel:iam:user:resourceowner:id': ZITADEL_ORG,
    ...extra,
  });
}

const area = (lon: number) => ({
  type: 'Polygon' as const,
  coordinates: [
    [
      [lon, 45.0],
      [lon + 0.1, 45.0],
      [lon + 0.1, 45.1],
      [lon, 45.1],
      [lon, 45.0],
    ] as [number, number][],
  ],
});

const refusal = async (call: Promise<unknown>) => (await failureOf(call)).data;

describe('Keycloak-shaped tokens (realm_access.roles, azp, typ Bearer, audience mapper)', () => {
  test('an admin creates a weavery; a weaver and a reader may not', async () => {
    const admin = kc.clientFor(
      await keycloakAccessToken(crypto.randomUUID(), ['reader', 'weaver', 'admin']),
    );
    const created = await admin.weaveries.create.mutate({ name: 'KC', slug: 'kc', area: area(1) });
    expect(created.slug).toBe('kc');

    for (const roles of [['reader', 'weaver'], ['reader']]) {
      const client = kc.clientFor(await keycloakAccessToken(crypto.randomUUID(), roles));
      const refused = await refusal(
        client.weaveries.create.mutate({ name: 'Nein', slug: 'nein', area: area(2) }),
      );
      expect({ roles, ...refused }).toMatchObject({
        roles,
        httpStatus: 403,
        domainCode: 'ROLE_REQUIRED',
      });
    }
  });

  test('a reader creates a node and the account carries the token name', async () => {
    const sub = crypto.randomUUID();
    const reader = kc.clientFor(await keycloakAccessToken(sub, ['reader']));
    const node = await reader.nodes.create.mutate({
      operationId: crypto.randomUUID(),
      kind: 'place',
      title: 'Aus Keycloak',
      lat: 45.05,
      lon: 1.05,
    });
    expect(node.title).toBe('Aus Keycloak');
    const [account] = await kc.sql<{ display_name: string }[]>`
      SELECT display_name FROM accounts WHERE subject = ${sub}`;
    expect(account?.display_name).toBe(`Keycloak ${sub.slice(0, 4)}`);
  });

  test("Keycloak's ID token (typ ID, audience the client) and a token for another client are refused", async () => {
    const idToken = await keycloakAccessToken(crypto.randomUUID(), ['admin'], {
      typ: 'ID',
      aud: 'weltgewebe-web',
    });
    const idTokenWithOurAudience = await keycloakAccessToken(crypto.randomUUID(), ['admin'], {
      typ: 'ID',
    });
    const otherClient = await keycloakAccessToken(crypto.randomUUID(), ['admin'], {
      aud: ['account'],
      azp: 'another-app',
    });
    for (const token of [idToken, idTokenWithOurAudience, otherClient]) {
      const refused = await refusal(kc.clientFor(token).accounts.me.query());
      expect(refused).toMatchObject({ httpStatus: 401, domainCode: 'INVALID_TOKEN' });
    }
  });
});

describe('Zitadel-shaped tokens (URN role object, audience array with the project id)', () => {
  test('an admin creates a weavery; a reader may not', async () => {
    const admin = zt.clientFor(await zitadelAccessToken('290158001234567890', ['admin']));
    const created = await admin.weaveries.create.mutate({ name: 'ZT', slug: 'zt', area: area(3) });
    expect(created.slug).toBe('zt');

    const reader = zt.clientFor(await zitadelAccessToken('290158001234567891', ['reader']));
    const refused = await refusal(
      reader.weaveries.create.mutate({ name: 'Nein', slug: 'nein', area: area(4) }),
    );
    expect(refused).toMatchObject({ httpStatus: 403, domainCode: 'ROLE_REQUIRED' });
  });

  test('a person without a project role is a reader: may create a node, not a weavery', async () => {
    const none = zt.clientFor(await zitadelAccessToken('290158001234567892', []));
    const node = await none.nodes.create.mutate({
      operationId: crypto.randomUUID(),
      kind: 'place',
      title: 'Aus Zitadel',
      lat: 45.05,
      lon: 5.05,
    });
    expect(node.title).toBe('Aus Zitadel');
    const refused = await refusal(
      none.weaveries.create.mutate({ name: 'Nein', slug: 'nein', area: area(6) }),
    );
    expect(refused).toMatchObject({ httpStatus: 403, domainCode: 'ROLE_REQUIRED' });
  });

  test('roles at another path (Keycloak style) grant nothing under the Zitadel claim path', async () => {
    const token = await zitadelAccessToken('290158001234567893', [], {
      realm_access: { roles: ['admin'] },
    });
    const refused = await refusal(
      zt.clientFor(token).weaveries.create.mutate({ name: 'Nein', slug: 'nein', area: area(7) }),
    );
    expect(refused).toMatchObject({ httpStatus: 403, domainCode: 'ROLE_REQUIRED' });
  });

  test('a token whose audience lacks the project id, or from another issuer, is refused', async () => {
    const wrongAudience = await zitadelAccessToken('290158001234567894', ['admin'], {
      aud: ['999999999999999999', '290157803271493725@weltgewebe'],
    });
    const otherIssuer = await zitadelAccessToken('290158001234567895', ['admin'], {
      iss: 'https://evil.zitadel.example',
    });
    for (const token of [wrongAudience, otherIssuer]) {
      const refused = await refusal(zt.clientFor(token).accounts.me.query());
      expect(refused).toMatchObject({ httpStatus: 401, domainCode: 'INVALID_TOKEN' });
    }
  });

  test('the JWKS was fetched over HTTP from the issuer, once', () => {
    expect(zitadel.jwksFetches()).toBe(1);
    expect(keycloak.jwksFetches()).toBe(1);
  });
});
