import { describe, expect, test } from 'bun:test';
import { highestRole } from '../user';
import { rolesFromClaims } from './role-claims';

describe('rolesFromClaims', () => {
  test('reads a Keycloak-style nested array', () => {
    const claims = { realm_access: { roles: ['reader', 'weaver'] } };
    expect(rolesFromClaims(claims, 'realm_access.roles')).toEqual(['reader', 'weaver']);
  });

  test('reads a Zitadel-style object keyed by role under a claim name with colons', () => {
    const claims = { 'urn:zitadel:iam:org:project:roles': { admin: { org: 'x' }, reader: {} } };
    expect(rolesFromClaims(claims, 'urn:zitadel:iam:org:project:roles')).toEqual([
      'admin',
      'reader',
    ]);
  });

  test('gives no roles when the path is missing', () => {
    expect(rolesFromClaims({ sub: 'x' }, 'realm_access.roles')).toEqual([]);
  });
});

describe('highestRole', () => {
  test('admin > weaver > reader, and signed in means at least reader', () => {
    expect(highestRole(['reader', 'weaver', 'admin'])).toBe('admin');
    expect(highestRole(['reader', 'weaver'])).toBe('weaver');
    expect(highestRole(['reader'])).toBe('reader');
    expect(highestRole([])).toBe('reader');
  });
});
