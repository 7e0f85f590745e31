// Roles from an access token: the one reading of the role claim that web, edge and core share.
// Pure (no I/O, no dependencies), so the web can bundle it.

export type Role = 'reader' | 'weaver' | 'admin';
export const ROLE_ORDER: readonly Role[] = ['reader', 'weaver', 'admin'];

/** Reads a claim by dot path; a key containing dots (Zitadel's URN) is tried whole first. */
export function claimAt(payload: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  let current: unknown = payload;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part))
      return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/**
 * The known roles in a claim value. Keycloak: `["reader", ...]`; Zitadel: `{ "reader": {
 * "<orgId>": "<domain>" }, ... }`. Any other shape, or no known role, means reader: every
 * signed-in person is at least a reader, and a claim we do not understand grants nothing more.
 */
export function rolesFromClaim(value: unknown): Role[] {
  const names = Array.isArray(value)
    ? value.filter((v): v is string => typeof v === 'string')
    : value && typeof value === 'object'
      ? Object.keys(value)
      : [];
  const roles = ROLE_ORDER.filter((r) => names.includes(r));
  return roles.length ? roles : ['reader'];
}

/** The roles at ROLE_CLAIM_PATH of a verified token's payload. */
export function rolesAt(payload: Record<string, unknown>, path: string): Role[] {
  return rolesFromClaim(claimAt(payload, path));
}

export function highestRole(roles: readonly Role[]): Role {
  return [...roles].sort((a, b) => ROLE_ORDER.indexOf(b) - ROLE_ORDER.indexOf(a))[0] ?? 'reader';
}

export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLE_ORDER.indexOf(role) >= ROLE_ORDER.indexOf(needed);
}
