// A real dev OIDC provider per test process, and real tokens for the demo users.
import { DEMO_PASSWORD, type DemoRole, type DevOidc, startDevOidc } from '../oidc/provider.ts';
import { loginWithCodeFlow, type OidcTokens } from './oidc-login.ts';

export const TEST_CLIENT = {
  clientId: 'weltgewebe-web',
  clientSecret: 'dev-secret',
  redirectUri: 'http://localhost:8080/auth/callback',
};

let oidc: Promise<DevOidc> | null = null;
/** Tokens per role with the time they stop being worth handing out (a slow run outlives them). */
const tokens = new Map<DemoRole, { pending: Promise<OidcTokens>; renewAt: number }>();
/** A token is handed out only while it has at least this much life left. */
const MIN_LIFE_MS = 90_000;

export function testOidc(): Promise<DevOidc> {
  oidc ??= startDevOidc({ port: 0, log: false, redirectUris: [TEST_CLIENT.redirectUri] });
  return oidc;
}

/**
 * Logs a demo user in through the real code flow and returns the tokens; the same tokens are
 * reused until they come near their expiry, then the user logs in again.
 */
export async function tokensFor(role: DemoRole): Promise<OidcTokens> {
  const held = tokens.get(role);
  if (held && Date.now() < held.renewAt) return held.pending;
  const entry = {
    pending: null as unknown as Promise<OidcTokens>,
    renewAt: Number.POSITIVE_INFINITY,
  };
  entry.pending = testOidc()
    .then((p) =>
      loginWithCodeFlow({
        issuer: p.issuer,
        ...TEST_CLIENT,
        username: role,
        password: DEMO_PASSWORD,
      }),
    )
    .then((t) => {
      entry.renewAt = Date.now() + t.expiresIn * 1000 - MIN_LIFE_MS;
      return t;
    });
  entry.pending.catch(() => {
    if (tokens.get(role) === entry) tokens.delete(role);
  });
  tokens.set(role, entry);
  return entry.pending;
}

export async function accessTokenFor(role: DemoRole): Promise<string> {
  return (await tokensFor(role)).accessToken;
}

export async function stopTestOidc() {
  const p = oidc;
  oidc = null;
  tokens.clear();
  if (p) await (await p).stop();
}
