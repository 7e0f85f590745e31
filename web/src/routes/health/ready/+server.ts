// GET /health/ready — ready when the one dependency of the web, the OIDC provider, answers.
import { json } from '@sveltejs/kit';
import { oidcConfig } from '$lib/server/oidc';
import type { RequestHandler } from './$types';

const timeoutMs = 2000;

export const GET: RequestHandler = async () => {
  const oidc = await Promise.race([
    oidcConfig().then(
      () => 'ok' as const,
      () => 'down' as const,
    ),
    new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs)),
  ]);
  const ready = oidc === 'ok';
  return json(
    { status: ready ? 'ok' : 'degraded', checks: { oidc } },
    { status: ready ? 200 : 503, headers: { 'cache-control': 'no-store' } },
  );
};
