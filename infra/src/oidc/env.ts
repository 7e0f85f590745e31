// Environment of the dev OIDC provider process (`bun infra/src/oidc/main.ts`), parsed once.

import { resolve } from 'node:path';
import { z } from 'zod';
import { DEV_COOKIE_KEYS, DEV_OIDC_PORT, type DevOidcOptions } from './provider.ts';

const commaList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    );

const urlList = (fallback: string) =>
  commaList(fallback).pipe(
    z.array(z.url({ protocol: /^https?$/ })).min(1, 'needs at least one URL'),
  );

const schema = z.object({
  OIDC_PORT: z.coerce.number().int().min(0).max(65535).default(DEV_OIDC_PORT),
  OIDC_ISSUER: z
    .url({ protocol: /^https?$/ })
    .refine(
      (value) => !new URL(value).search && !new URL(value).hash,
      'must not have a query or fragment',
    )
    .optional(),
  OIDC_CLIENT_ID: z.string().min(1).default('weltgewebe-web'),
  OIDC_CLIENT_SECRET: z.string().min(1).default('dev-secret'),
  OIDC_REDIRECT_URIS: urlList('http://localhost:8080/auth/callback'),
  OIDC_POST_LOGOUT_REDIRECT_URIS: urlList('http://localhost:8080/'),
  OIDC_AUDIENCE: z.string().min(1).default('weltgewebe'),
  OIDC_KEYS_FILE: z.string().min(1).default('.data/oidc/jwks.json'),
  OIDC_COOKIE_KEYS: commaList(DEV_COOKIE_KEYS.join(',')).pipe(
    z.array(z.string().min(16, 'each cookie key needs at least 16 characters')).min(1),
  ),
  OIDC_ACCESS_TOKEN_TTL: z.coerce.number().int().positive().default(300),
  OIDC_LOG: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
});

export type OidcEnv = z.infer<typeof schema>;

/** Parses the environment; throws one error listing every bad variable. */
export function loadOidcEnv(source: Record<string, string | undefined> = process.env): OidcEnv {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid environment for the dev OIDC provider:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** The provider options the environment asks for; the keys file is relative to the cwd. */
export function devOidcOptionsFromEnv(env: OidcEnv, cwd = process.cwd()): DevOidcOptions {
  return {
    port: env.OIDC_PORT,
    issuer: env.OIDC_ISSUER,
    clientId: env.OIDC_CLIENT_ID,
    clientSecret: env.OIDC_CLIENT_SECRET,
    redirectUris: env.OIDC_REDIRECT_URIS,
    postLogoutRedirectUris: env.OIDC_POST_LOGOUT_REDIRECT_URIS,
    audience: env.OIDC_AUDIENCE,
    keysFile: resolve(cwd, env.OIDC_KEYS_FILE),
    cookieKeys: env.OIDC_COOKIE_KEYS,
    accessTokenTtlSeconds: env.OIDC_ACCESS_TOKEN_TTL,
    log: env.OIDC_LOG,
  };
}
