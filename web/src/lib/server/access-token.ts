// Verifies the access token cookie against the issuer's JWKS and turns its claims into a user.

import { highestRole, rolesAt } from '@weltgewebe/kit/roles';
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import type { SessionUser } from '$lib/user';
import { env } from './env';
import { oidcConfig } from './oidc';

type KeySet = ReturnType<typeof createRemoteJWKSet>;
let keys: { jwks: KeySet; issuer: string } | null = null;

async function issuerKeys() {
  if (!keys) {
    const metadata = (await oidcConfig()).serverMetadata();
    if (!metadata.jwks_uri) throw new Error('OIDC discovery document has no jwks_uri');
    // Unknown kids are looked up below, not by jose: its cooldown counts from the last fetch,
    // so a rotation right after a routine refetch would sign people out.
    keys = {
      jwks: createRemoteJWKSet(new URL(metadata.jwks_uri), {
        cooldownDuration: Number.POSITIVE_INFINITY,
      }),
      issuer: metadata.issuer,
    };
  }
  return keys;
}

export interface VerifiedAccessToken {
  user: SessionUser;
  /** Expiry as seconds since the epoch. */
  expiresAt: number;
}

/** A token with a kid we do not know (key rotation) refetches the JWKS, at most this often. */
const unknownKidCooldownMs = 10_000;
let lastUnknownKidFetch = Number.NEGATIVE_INFINITY;

export async function verifyAccessToken(token: string): Promise<VerifiedAccessToken> {
  const { jwks, issuer } = await issuerKeys();
  const verify = () =>
    jwtVerify(token, jwks, {
      issuer,
      audience: env.OIDC_AUDIENCE,
      algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      clockTolerance: 5,
    });
  let verified: Awaited<ReturnType<typeof verify>>;
  try {
    verified = await verify();
  } catch (error) {
    if (
      !(error instanceof errors.JWKSNoMatchingKey) ||
      Date.now() - lastUnknownKidFetch < unknownKidCooldownMs
    )
      throw error;
    lastUnknownKidFetch = Date.now();
    await jwks.reload();
    verified = await verify();
  }
  const { payload } = verified;
  if (!payload.sub) throw new errors.JWTClaimValidationFailed('missing sub', payload, 'sub');
  const roles = rolesAt(payload, env.ROLE_CLAIM_PATH);
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
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true;
  // jose's plain JOSEError is what a failed JWKS fetch (non-200, not JSON) throws.
  if (error instanceof errors.JOSEError) return error.code === 'ERR_JOSE_GENERIC';
  return true;
}

function displayName(payload: JWTPayload): string {
  for (const claim of ['name', 'preferred_username', 'email']) {
    const value = payload[claim];
    if (typeof value === 'string' && value.trim()) return value.trim();
  }
  return payload.sub ?? '';
}
