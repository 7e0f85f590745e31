// The web server's configuration, parsed once at start-up. Nothing else reads the environment.

import { z } from 'zod';
import { env as privateEnv } from '$env/dynamic/private';
import { env as publicEnv } from '$env/dynamic/public';

const httpUrl = z.url({ protocol: /^https?$/ }).transform((value) => value.replace(/\/+$/, ''));

const schema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  ORIGIN: httpUrl.default('http://localhost:8080'),
  OIDC_ISSUER: httpUrl.default('http://localhost:3003'),
  OIDC_CLIENT_ID: z.string().min(1).default('weltgewebe-web'),
  OIDC_CLIENT_SECRET: z.string().min(1).default('dev-secret'),
  OIDC_AUDIENCE: z.string().min(1).default('weltgewebe'),
  // Optional RFC 8707 resource indicator, for providers that mint JWT access tokens only for one.
  OIDC_RESOURCE: z.url().optional(),
  OIDC_SCOPE: z.string().min(1).default('openid profile offline_access'),
  ROLE_CLAIM_PATH: z.string().min(1).default('realm_access.roles'),
  // The edge as this server reaches it (not through Caddy): sign-out revokes the session
  // there, and a shared link's preview (title, summary) reads its node or weavery there.
  EDGE_URL: httpUrl.default('http://127.0.0.1:3001'),
});

export type WebEnv = z.infer<typeof schema> & {
  /** Cookies carry `Secure` unless the site is served over plain http on the local machine. */
  secureCookies: boolean;
};

function loadEnv(): WebEnv {
  const raw: Record<string, string | undefined> = { ...privateEnv, ...publicEnv };
  const input = {
    ...raw,
    // ORIGIN is what adapter-node reads; PUBLIC_ORIGIN is accepted as an alias.
    ORIGIN: raw.ORIGIN || raw.PUBLIC_ORIGIN || undefined,
  };
  for (const [key, value] of Object.entries(input)) {
    if (value === '') delete (input as Record<string, unknown>)[key];
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `  - ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    const message = `web: invalid environment\n${lines.join('\n')}`;
    console.error(message);
    throw new Error(message);
  }
  const secureCookies = !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(parsed.data.ORIGIN);
  return { ...parsed.data, secureCookies };
}

export const env: WebEnv = loadEnv();
