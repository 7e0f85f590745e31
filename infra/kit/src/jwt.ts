// Verifies OIDC access tokens against the provider's JWKS (edge and core both use it).
import {
  createRemoteJWKSet,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
  type JWTPayload,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import type { RevocableIdentity } from './revocations.ts';
import { highestRole, type Role, rolesAt } from './roles.ts';

export interface AuthIdentity {
  subject: string;
  name: string;
  roles: Role[];
  /** Highest role; every signed-in person is at least a reader. */
  role: Role;
  token: string;
  /** The token's `email` claim, unless the token says it is unverified (notification e-mails). */
  email?: string;
  /** The provider's session (`sid`): sign-out revokes it (Keycloak and our dev provider send it). */
  sessionId?: string;
  /** `iat`, seconds since the epoch, when the token says. */
  issuedAt?: number;
  /** `exp`, seconds since the epoch (every verified token has one). */
  expiresAt?: number;
}

export interface JwtVerifierOptions {
  issuer: string;
  audience: string;
  /** Dot path of the roles array (Keycloak `realm_access.roles`; Zitadel `urn:zitadel:iam:org:project:roles`). */
  roleClaimPath: string;
  algorithms?: string[];
  clockToleranceSeconds?: number;
  maxTokenBytes?: number;
  /**
   * Least time between two JWKS fetches caused by a token with a `kid` we do not know
   * (a rotation at the provider, or someone sending made-up kids). Counted from the
   * last attempt, so a flood cannot hammer a provider that is slow or down either.
   */
  jwksRefetchCooldownMs?: number;
  /** How long a fetched JWKS is used before it is fetched again anyway. */
  jwksMaxAgeMs?: number;
  /**
   * Signed-out sessions: their tokens are refused with SessionRevoked. Until the list has been
   * read (`isLoaded`), every token is answered with KeysUnavailable (503): a token signed out
   * before this instance started must not slip through its first moments.
   */
  revocations?: { isRevoked(identity: RevocableIdentity): boolean; readonly isLoaded: boolean };
  /**
   * Verified tokens kept so a token sent again is not checked again (signature, claims): at
   * most this many (least recently used go first; 0 switches the cache off). An entry lives
   * until the token's `exp`, never longer, and is dropped when the keys are fetched again;
   * the revocation list is asked on every use.
   */
  verifiedCacheEntries?: number;
  /** Clock for the cache (tests); Date.now by default. */
  now?: () => number;
}

/** The token is not good; the reason (a short code) is for logs, never for the caller. */
export class TokenRejected extends Error {
  constructor(readonly reason: string) {
    super(`token rejected: ${reason}`);
  }
}

/** The token was good, but its session has been signed out (see revocations.ts). */
export class SessionRevoked extends TokenRejected {
  constructor() {
    super('session revoked');
  }
}

/** The provider's discovery document or keys could not be fetched: try again later. */
export class KeysUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** Keycloak marks its tokens with `typ`; only its access tokens say Bearer (not ID, Refresh, Logout). */
const ACCESS_TOKEN_TYP = /^bearer$/i;
/** A failed discovery or first key fetch is not retried more often than this. */
const FAILED_FETCH_RETRY_MS = 2_000;

export function createJwtVerifier(options: JwtVerifierOptions) {
  const algorithms = options.algorithms ?? ['RS256', 'PS256', 'ES256'];
  const maxBytes = options.maxTokenBytes ?? 8_192;
  const tolerance = options.clockToleranceSeconds ?? 30;
  const cooldownMs = options.jwksRefetchCooldownMs ?? 10_000;
  let jwks: RemoteKeySet | null = null;
  let discovering: Promise<RemoteKeySet> | null = null;
  let discoveryFailure: { at: number; error: KeysUnavailable } | null = null;
  let lastUnknownKidRefetch = Number.NEGATIVE_INFINITY;
  const now = options.now ?? Date.now;
  const verified = verifiedTokenCache(options.verifiedCacheEntries ?? 4_096);

  const discover = async (): Promise<RemoteKeySet> => {
    const url = `${options.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let meta: { jwks_uri?: unknown };
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000), redirect: 'manual' });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      meta = (await res.json()) as { jwks_uri?: unknown };
    } catch (error) {
      throw new KeysUnavailable(`OIDC discovery at ${url} failed`, { cause: error });
    }
    if (typeof meta.jwks_uri !== 'string' || !URL.canParse(meta.jwks_uri))
      throw new KeysUnavailable('OIDC discovery has no usable jwks_uri');
    // jose's own refetching (on an unknown kid, or when the set is old) is switched off:
    // getKey below decides when to fetch, counting attempts rather than successes.
    return createRemoteJWKSet(new URL(meta.jwks_uri), {
      cooldownDuration: Number.POSITIVE_INFINITY,
      cacheMaxAge: Number.POSITIVE_INFINITY,
      timeoutDuration: 5_000,
    });
  };

  const keySet = async (): Promise<RemoteKeySet> => {
    if (jwks) return jwks;
    if (discoveryFailure && Date.now() - discoveryFailure.at < FAILED_FETCH_RETRY_MS)
      throw discoveryFailure.error;
    discovering ??= discover()
      .then((set) => {
        jwks = set;
        discoveryFailure = null;
        return set;
      })
      .catch((error: unknown) => {
        const failure =
          error instanceof KeysUnavailable
            ? error
            : new KeysUnavailable('OIDC discovery failed', { cause: error });
        discoveryFailure = { at: Date.now(), error: failure };
        throw failure;
      })
      .finally(() => {
        discovering = null;
      });
    return discovering;
  };

  /** Fetch problems are the provider's, not the token's (the set fetches only via load). */
  const keysCall = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (
        error instanceof joseErrors.JWKSNoMatchingKey ||
        error instanceof joseErrors.JWKSMultipleMatchingKeys ||
        error instanceof joseErrors.JOSENotSupported
      )
        throw error;
      throw new KeysUnavailable('could not fetch the OIDC provider keys', { cause: error });
    }
  };

  const maxAgeMs = options.jwksMaxAgeMs ?? 600_000;
  let loadedAt = Number.NEGATIVE_INFINITY;
  let failedAt = Number.NEGATIVE_INFINITY;
  let loading: Promise<void> | null = null;

  /**
   * Old keys: fetch fresh ones in the background and keep using these meanwhile, so a provider
   * that is down for a while does not sign everybody out.
   */
  const refreshIfOld = (set: RemoteKeySet) => {
    if (!loading && Date.now() - loadedAt > maxAgeMs && Date.now() - failedAt > cooldownMs)
      load(set).catch(() => {});
  };

  /** One JWKS fetch for everyone who waits for it. */
  const load = (set: RemoteKeySet): Promise<void> => {
    loading ??= set
      .reload()
      .then(() => {
        loadedAt = Date.now();
        // A key may have left the set: what was verified with it is verified again.
        verified.clear();
      })
      .catch((error: unknown) => {
        failedAt = Date.now();
        throw new KeysUnavailable('could not fetch the OIDC provider keys', { cause: error });
      })
      .finally(() => {
        loading = null;
      });
    return loading;
  };

  const getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    const set = await keySet();
    if (set.jwks() === undefined) {
      // No keys yet: wait for them, but do not retry a failed fetch on every request.
      if (!loading && Date.now() - failedAt < FAILED_FETCH_RETRY_MS)
        throw new KeysUnavailable('the OIDC provider keys could not be fetched just now');
      await load(set);
    } else {
      refreshIfOld(set);
    }
    try {
      return await keysCall(() => set(header, token));
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw error;
      // A kid we do not know: the provider may have rotated its keys. Look at most once per
      // cooldown; requests that arrive while a fetch is under way wait for it instead.
      let pending = loading;
      if (!pending) {
        if (Date.now() - lastUnknownKidRefetch < cooldownMs) throw error;
        lastUnknownKidRefetch = Date.now();
        pending = load(set);
      }
      await pending;
      return keysCall(() => set(header, token));
    }
  };

  /** A good token is still refused while the list is unread or when its session signed out. */
  const admitted = (identity: AuthIdentity): AuthIdentity => {
    if (options.revocations && !options.revocations.isLoaded)
      throw new KeysUnavailable('the signed-out sessions have not been read yet');
    if (options.revocations?.isRevoked(identity)) throw new SessionRevoked();
    return identity;
  };

  return {
    /**
     * Throws TokenRejected for any token that is not good, KeysUnavailable when the
     * provider cannot be asked for its keys right now.
     */
    async verify(token: string): Promise<AuthIdentity> {
      const known = verified.get(token, now());
      if (known) {
        // Tokens answered from the cache still keep the keys fresh.
        if (jwks) refreshIfOld(jwks);
        return admitted(known);
      }
      if (token.length > maxBytes) throw new TokenRejected('too large');
      if (!COMPACT_JWS.test(token)) throw new TokenRejected('malformed');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, getKey, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms,
          clockTolerance: tolerance,
          requiredClaims: ['sub', 'exp'],
        }));
      } catch (error) {
        if (error instanceof joseErrors.JOSEError) throw new TokenRejected(error.code);
        if (error instanceof KeysUnavailable) throw error;
        // Anything else failed on the token's own content (jose checks it before any key).
        throw new TokenRejected(
          `unverifiable (${error instanceof Error ? error.name : 'unknown'})`,
        );
      }
      if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 255)
        throw new TokenRejected('bad sub');
      if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + tolerance)
        throw new TokenRejected('issued in the future');
      if (typeof payload.typ === 'string' && !ACCESS_TOKEN_TYP.test(payload.typ))
        throw new TokenRejected('not an access token');
      const roles = rolesAt(payload as Record<string, unknown>, options.roleClaimPath);
      const name =
        (typeof payload.name === 'string' && payload.name) ||
        (typeof payload.preferred_username === 'string' && payload.preferred_username) ||
        'Weber*in';
      const email =
        typeof payload.email === 'string' && payload.email_verified !== false
          ? payload.email
          : undefined;
      const sid =
        typeof payload.sid === 'string' && payload.sid.length > 0 && payload.sid.length <= 255
          ? payload.sid
          : undefined;
      const identity: AuthIdentity = {
        subject: payload.sub,
        name,
        roles,
        role: highestRole(roles),
        token,
        expiresAt: payload.exp as number,
        ...(typeof payload.iat === 'number' ? { issuedAt: payload.iat } : {}),
        ...(sid ? { sessionId: sid } : {}),
        ...(email ? { email } : {}),
      };
      verified.set(token, identity);
      return admitted(identity);
    },
    /** How many verified tokens are kept right now (bounded by verifiedCacheEntries). */
    cachedTokens: () => verified.size,
    /** Discovery done and keys fetched (the readiness check of edge and core). */
    ready: async () => {
      const set = await keySet();
      if (set.jwks() === undefined) await load(set);
    },
  };
}

type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;

/**
 * Verified tokens by their text, bounded (least recently used go first), each until its `exp`.
 * Keyed by the whole token, so only the very token that was verified finds its entry.
 */
function verifiedTokenCache(maxEntries: number) {
  const entries = new Map<string, AuthIdentity>();
  return {
    get(token: string, nowMs: number): AuthIdentity | undefined {
      const identity = entries.get(token);
      if (!identity) return undefined;
      entries.delete(token);
      // Expired: verified afresh (within the clock tolerance jose still accepts it).
      if ((identity.expiresAt ?? 0) * 1000 <= nowMs) return undefined;
      entries.set(token, identity);
      return identity;
    },
    set(token: string, identity: AuthIdentity): void {
      if (maxEntries <= 0) return;
      entries.delete(token);
      entries.set(token, identity);
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
    clear(): void {
      entries.clear();
    },
    get size(): number {
      return entries.size;
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
