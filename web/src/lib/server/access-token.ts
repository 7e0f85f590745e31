// Verifies the access token cookie against the issuer's JWKS and turns its claims into a user.
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import { highestRole, type SessionUser } from '$lib/user';
import { env } from './env';
import { oidcConfig } from './oidc';
import { rolesFromClaims } from './role-claims';

type KeySet = ReturnType<typeof createRemoteJWKSet>;
let keys: { jwks: KeySet; issuer: string } | null = null;

async function issuerKeys() {
  if (!keys) {
    const metadata = (await oidcConfig()).serverMetadata();
    if (!metadata.jwks_uri) throw new Error('OIDC discovery document has no jwks_uri');
    // jose refetches the set when a token names an unknown kid (key rotation).
    keys = { jwks: createRemoteJWKSet(new URL(metadata.jwks_uri)), issuer: metadata.issuer };
  }
  return keys;
}

export interface VerifiedAccessToken {
  user: SessionUser;
  /** Expiry as seconds since the epoch. */
  expiresAt: number;
}

export async function verifyAccessToken(token: string): Promise<VerifiedAccessToken> {
  const { jwks, issuer } = await issuerKeys();
  const { payload } = await jwtVerify(token, jwks, {
    issuer,
    audience: env.OIDC_AUDIENCE,
    algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
    clockTolerance: 5,
  });
  if (!payload.sub) throw new errors.JWTClaimValidationFailed('missing sub', payload, 'sub');
  const roles = rolesFromClaims(payload, env.ROLE_CLAIM_PATH);
  return {
    user: {
      sub: payload.sub,
      name: displayName(payload),
      roles,
      role: highestRole(roles),
    },
    expiresAt: payload.exp ?? Number.POSITIVE_INFINITY,
  };
}

/** False for "the token is bad", true for "the keys could not be fetched right now". */
export function isTransientVerificationError(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout) return true;
  return !(error instanceof errors.JOSEError);
}

function displayName(payload: JWTPayload): string {
  for (const claim of ['name', 'preferred_username', 'email']) {
    const value = payload[claim];
    if (typeof value === 'string' && value.trim()) return value.trim();
  }
  return payload.sub ?? '';
}
