// The one reading of the role claim: Keycloak's and Zitadel's shapes, and what grants nothing.
import { describe, expect, test } from 'bun:test';
import { claimAt, highestRole, rolesAt, rolesFromClaim } from './roles.ts';

describe('role claims', () => {
  test('Keycloak: realm_access.roles, highest role wins', () => {
    const payload = { realm_access: { roles: ['offline_access', 'reader', 'weaver'] } };
    expect(rolesFromClaim(claimAt(payload, 'realm_access.roles'))).toEqual(['reader', 'weaver']);
  });

  test('Zitadel: an object keyed by role under the URN claim (a key with colons, no dots)', () => {
    const payload = {
      'urn:zitadel:iam:org:project:roles': { admin: { '2871': 'weltgewebe.example.org' } },
    };
    expect(rolesFromClaim(claimAt(payload, 'urn:zitadel:iam:org:project:roles'))).toEqual([
      'admin',
    ]);
  });

  test('a dotted key is read whole before it is read as a path', () => {
    expect(claimAt({ 'a.b': 1, a: { b: 2 } }, 'a.b')).toBe(1);
    expect(claimAt({ a: { b: 2 } }, 'a.b')).toBe(2);
  });

  test('no role claim, or one of the wrong shape, means reader', () => {
    expect(rolesFromClaim(undefined)).toEqual(['reader']);
    expect(rolesFromClaim('admin')).toEqual(['reader']);
    expect(rolesFromClaim([1, 2])).toEqual(['reader']);
  });

  test('inherited object properties are never read as claims', () => {
    expect(claimAt({}, 'constructor')).toBeUndefined();
    expect(claimAt({ realm_access: {} }, 'realm_access.constructor')).toBeUndefined();
    expect(rolesFromClaim(claimAt({}, '__proto__'))).toEqual(['reader']);
  });
});

describe('rolesAt and highestRole', () => {
  test('the path is read and unknown names dropped', () => {
    const payload = { realm_access: { roles: ['offline_access', 'weaver'] } };
    expect(rolesAt(payload, 'realm_access.roles')).toEqual(['weaver']);
    expect(rolesAt({ sub: 'x' }, 'realm_access.roles')).toEqual(['reader']);
  });

  test('the highest role wins; none means reader', () => {
    expect(highestRole(['reader', 'weaver', 'admin'])).toBe('admin');
    expect(highestRole(['reader', 'weaver'])).toBe('weaver');
    expect(highestRole([])).toBe('reader');
  });
});
