// Roles from an access token's claims at a configurable path (ROLE_CLAIM_PATH).
/**
 * Reads roles at a claim path such as `realm_access.roles` (Keycloak, a string array) or
 * `urn:zitadel:iam:org:project:roles` (Zitadel, an object keyed by role name).
 */
export function rolesFromClaims(payload: Record<string, unknown>, path: string): string[] {
  let value: unknown = path in payload ? payload[path] : undefined;
  if (value === undefined) {
    value = payload;
    for (const key of path.split('.')) {
      value =
        value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    }
  }
  if (Array.isArray(value)) return value.filter((role): role is string => typeof role === 'string');
  if (value && typeof value === 'object') return Object.keys(value);
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  return [];
}
