// The common ground of the token-attack tests (verifier, core, edge): the dev provider behind
// its JWKS-counting proxy, its signing key, the attack tokens, verifiers for it, real logins
// and tokens under made-up kids.
import { createJwtVerifier, type JwtVerifier, type JwtVerifierOptions } from '@weltgewebe/kit';
import { DEMO_PASSWORD } from '../oidc/provider.ts';
import { TEST_CLIENT } from './auth.ts';
import { loginWithCodeFlow, type OidcTokens } from './oidc-login.ts';
import {
  type AttackToken,
  attackTokens,
  type CountingProvider,
  keycloakClaims,
  ownKey,
  type SigningKey,
  signToken,
  startCountingProvider,
} from './token-forge.ts';

const AUDIENCE = 'weltgewebe';

export interface TokenAttackSetup {
  provider: CountingProvider;
  /** The key the provider signs with at start. */
  providerKey: SigningKey;
  /** Every one must be refused by a verifier for this provider. */
  attacks: AttackToken[];
  /** A fresh verifier for the provider (Keycloak's role claim), with `defaults` and `extra`. */
  verifier(extra?: Partial<JwtVerifierOptions>): JwtVerifier;
  /** A token the provider could have issued: good claims, signed with its key. */
  goodToken(claims?: Parameters<typeof keycloakClaims>[1]): Promise<string>;
  /** A real login of a demo user through the provider's code flow. */
  login(username: 'reader' | 'weaver' | 'admin'): Promise<OidcTokens>;
  /** `count` tokens with good claims signed by a key of ours, each under a made-up kid. */
  unknownKidTokens(count: number): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startTokenAttacks(
  defaults: Partial<JwtVerifierOptions> = {},
): Promise<TokenAttackSetup> {
  const provider = await startCountingProvider();
  const providerKey = await provider.signingKey();
  const stranger = await ownKey('RS256');
  const attacks = await attackTokens({ issuer: provider.issuer, audience: AUDIENCE, providerKey });
  return {
    provider,
    providerKey,
    attacks,
    verifier: (extra = {}) =>
      createJwtVerifier({
        issuer: provider.issuer,
        audience: AUDIENCE,
        roleClaimPath: 'realm_access.roles',
        ...defaults,
        ...extra,
      }),
    goodToken: (claims = {}) => signToken(keycloakClaims(provider.issuer, claims), providerKey),
    login: (username) =>
      loginWithCodeFlow({
        issuer: provider.issuer,
        ...TEST_CLIENT,
        username,
        password: DEMO_PASSWORD,
      }),
    unknownKidTokens: (count) =>
      Promise.all(
        Array.from({ length: count }, () =>
          signToken(keycloakClaims(provider.issuer), {
            ...stranger,
            kid: crypto.randomUUID(),
          }),
        ),
      ),
    stop: () => provider.stop(),
  };
}
