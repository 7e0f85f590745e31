// A real dev OIDC provider per test process, and real tokens for the demo users.
import { DEMO_PASSWORD, type DemoRole, type DevOidc, startDevOidc } from '../oidc/provider.ts';
import { loginWithCodeFlow, type OidcTokens } from './oidc-login.ts';

export const TEST_CLIENT = {
  clientId: 'weltgewebe-web',
  clientSecret: 'dev-secret',
  redirectUri: 'http://localhost:8080/auth/callback',
};

let oidc: Promise<DevOidc> | null = null;
const tokens = new Map<DemoRole, Promise<OidcTokens>>();

export function testOidc(): Promise<DevOidc> {
  oidc ??= startDevOidc({ port: 0, log: false, redirectUris: [TEST_CLIENT.redirectUri] });
  return oidc;
}

/** Logs a demo user in through the real code flow (once per process) and returns the tokens. */
export async function tokensFor(role: DemoRole): Promise<OidcTokens> {
  let pending = tokens.get(role);
  if (!pending) {
    pending = testOidc().then((p) =>
      loginWithCodeFlow({
        issuer: p.issuer,
        ...TEST_CLIENT,
        username: role,
        password: DEMO_PASSWORD,
      }),
    );
    tokens.set(role, pending);
  }
  return pending;
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
