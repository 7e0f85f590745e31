// The endpoints every service answers: /health/live, /health/ready, /version, /metrics.
import type { Registry } from 'prom-client';

export type ReadinessCheck = () => Promise<unknown>;

export interface ServiceEndpointsOptions {
  service: string;
  version: string;
  registry: Registry;
  /** Named dependency checks; each must settle within `timeoutMs`. */
  checks: Record<string, ReadinessCheck>;
  timeoutMs?: number;
  /** True while the service drains before it stops (shutdown.ts): not ready, whatever the checks say. */
  draining?: () => boolean;
  /**
   * Once ready, how long checks must keep failing before readiness says so (default 0). A
   * front door whose health check rests an instance on one failed probe (Caddy 2.6 has no
   * fail count) would otherwise rest the only instance left during a rolling deploy because
   * one `SELECT 1` was slow on a busy host — and answer 503 to everyone.
   */
  holdReadyMs?: number;
}

async function withTimeout(check: ReadinessCheck, ms: number): Promise<'ok' | string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
      }),
    ]);
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : 'failed';
  } finally {
    clearTimeout(timer);
  }
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** Returns a Response for the service endpoints, or null for any other path. */
export function serviceEndpoints(options: ServiceEndpointsOptions) {
  const timeoutMs = options.timeoutMs ?? 1_500;
  const startedAt = new Date().toISOString();
  const holdReadyMs = options.holdReadyMs ?? 0;
  let everReady = false;
  let failingSince: number | null = null;
  return async (request: Request): Promise<Response | null> => {
    if (request.method !== 'GET') return null;
    const path = new URL(request.url).pathname;
    switch (path) {
      case '/health/live':
        return json(200, { status: 'ok', service: options.service });
      case '/health/ready': {
        if (options.draining?.()) {
          return json(503, { status: 'draining', service: options.service });
        }
        const names = Object.keys(options.checks);
        const results = await Promise.all(
          names.map((n) => withTimeout(options.checks[n]!, timeoutMs)),
        );
        const checks = Object.fromEntries(names.map((n, i) => [n, results[i]]));
        const passed = results.every((r) => r === 'ok');
        const now = Date.now();
        if (passed) {
          everReady = true;
          failingSince = null;
        } else {
          failingSince ??= now;
        }
        const held = !passed && everReady && now - failingSince! < holdReadyMs;
        const ok = passed || held;
        return json(ok ? 200 : 503, {
          status: passed ? 'ok' : held ? 'degraded' : 'unavailable',
          service: options.service,
          checks,
        });
      }
      case '/version':
        return json(200, {
          service: options.service,
          version: options.version,
          draining: options.draining?.() ?? false,
          startedAt,
          runtime: `bun ${Bun.version}`,
        });
      case '/metrics':
        return new Response(await options.registry.metrics(), {
          headers: { 'content-type': options.registry.contentType },
        });
      default:
        return null;
    }
  };
}

/** Use the caller's request id when it looks sane, else make one. */
export function requestIdFrom(headers: Headers): string {
  const given = headers.get('x-request-id');
  return given && /^[A-Za-z0-9._:-]{8,128}$/.test(given) ? given : crypto.randomUUID();
}
