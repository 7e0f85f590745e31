// Verifies OIDC access tokens against the provider's JWKS (edge and core both use it).
import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';

export type Role = 'reader' | 'weaver' | 'admin';
const ROLE_ORDER: Role[] = ['reader', 'weaver', 'admin'];

export interface AuthIdentity {
  subject: string;
  name: string;
  roles: Role[];
  /** Highest role; every signed-in person is at least a reader. */
  role: Role;
  token: string;
  /** The token's `email` claim, unless the token says it is unverified (notification e-mails). */
  email?: string;
}

export interface JwtVerifierOptions {
  issuer: string;
  audience: string;
  /** Dot path of the roles array (Keycloak `realm_access.roles`; Zitadel `urn:zitadel:iam:org:project:roles`). */
  roleClaimPath: string;
  algorithms?: string[];
  clockToleranceSeconds?: number;
  maxTokenBytes?: number;
}

export class TokenRejected extends Error {
  constructor(readonly reason: string) {
    super(`token rejected: ${reason}`);
  }
}

/** Reads a claim by dot path; a key containing dots (Zitadel's URN) is tried whole first. */
export function claimAt(payload: Record<string, unknown>, path: string): unknown {
  if (path in payload) return payload[path];
  let current: unknown = payload;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

export function rolesFromClaim(value: unknown): Role[] {
  // Keycloak: ["reader", ...]; Zitadel: { "reader": { "<orgId>": "<domain>" }, ... }.
  const names = Array.isArray(value)
    ? value.filter((v): v is string => typeof v === 'string')
    : value && typeof value === 'object'
      ? Object.keys(value)
      : [];
  const roles = ROLE_ORDER.filter((r) => names.includes(r));
  return roles.length ? roles : ['reader'];
}

export function highestRole(roles: Role[]): Role {
  return [...roles].sort((a, b) => ROLE_ORDER.indexOf(b) - ROLE_ORDER.indexOf(a))[0] ?? 'reader';
}

export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLE_ORDER.indexOf(role) >= ROLE_ORDER.indexOf(needed);
}

export function createJwtVerifier(options: JwtVerifierOptions) {
  const algorithms = options.algorithms ?? ['RS256', 'PS256', 'ES256'];
  const maxBytes = options.maxTokenBytes ?? 8_192;
  let jwks: ReturnType<typeof createRemoteJWKSet> | null = null;
  let discovering: Promise<ReturnType<typeof createRemoteJWKSet>> | null = null;

  const keySet = async () => {
    if (jwks) return jwks;
    discovering ??= (async () => {
      const url = `${options.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (!res.ok) throw new Error(`OIDC discovery failed: HTTP ${res.status}`);
      const meta = (await res.json()) as { jwks_uri?: string };
      if (!meta.jwks_uri) throw new Error('OIDC discovery has no jwks_uri');
      // jose refetches on an unknown kid, at most once per cooldown.
      jwks = createRemoteJWKSet(new URL(meta.jwks_uri), {
        cooldownDuration: 30_000,
        cacheMaxAge: 600_000,
      });
      return jwks;
    })().finally(() => {
      discovering = null;
    });
    return discovering;
  };

  return {
    /** Throws TokenRejected for any token that is not good; other errors mean the provider is unreachable. */
    async verify(token: string): Promise<AuthIdentity> {
      if (token.length > maxBytes) throw new TokenRejected('too large');
      if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token))
        throw new TokenRejected('malformed');
      const keys = await keySet();
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms,
          clockTolerance: options.clockToleranceSeconds ?? 30,
          requiredClaims: ['sub', 'exp'],
        }));
      } catch (error) {
        if (error instanceof joseErrors.JOSEError) throw new TokenRejected(error.code);
        throw error;
      }
      const roles = rolesFromClaim(
        claimAt(payload as Record<string, unknown>, options.roleClaimPath),
      );
      const name =
        (typeof payload.name === 'string' && payload.name) ||
        (typeof payload.preferred_username === 'string' && payload.preferred_username) ||
        'Weber*in';
      const email =
        typeof payload.email === 'string' && payload.email_verified !== false
          ? payload.email
          : undefined;
      return {
        subject: payload.sub!,
        name,
        roles,
        role: highestRole(roles),
        token,
        ...(email ? { email } : {}),
      };
    },
    ready: async () => {
      await keySet();
    },
  };
}

export type JwtVerifier = ReturnType<typeof createJwtVerifier>;

/** Bearer token from the Authorization header. */
export function bearerToken(headers: Headers): string | null {
  const value = headers.get('authorization');
  if (!value) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(value);
  return match ? match[1]! : '';
}
