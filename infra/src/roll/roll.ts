// A rolling, health-gated release of the local HA topology — the same steps as the production
// deploy (infra/deploy/roll.sh): replace one instance at a time, each only after the one
// before is healthy, then a smoke check through the front door; if anything fails, every
// instance already replaced goes back to the previous release, and the roll reports failure.
//
// A release here is what a service runs with: the RELEASE it reports at /version and any
// settings that differ. The code is the working tree (processes of the local stack); in
// production it is the image tag.
import type { RunningStack } from '../stack/stack.ts';

/** Back end first: an edge of the new release must find cores of it (expand-only APIs). */
export const ROLL_ORDER = [
  'core',
  'core2',
  'relay',
  'relay2',
  'workers',
  'workers2',
  'edge',
  'edge2',
  'web',
  'web2',
] as const;

/** Behind Caddy: wait this long after ready so its health check (every 3 s) has seen it. */
const CADDY_SEES_IT_MS = 4_000;

export interface Release {
  name: string;
  /** Settings of this release per service, laid over the service's environment. */
  env?: (service: string) => Record<string, string>;
}

export interface RollStep {
  service: string;
  release: string;
  ok: boolean;
  seconds: number;
  why?: string;
}

export interface RollResult {
  ok: boolean;
  /** The release running when the roll ended (the target, or the previous one after a rollback). */
  running: string;
  steps: RollStep[];
  rolledBack: boolean;
  failedAt?: string;
  why?: string;
  smoke: SmokeResult | null;
}

export interface SmokeResult {
  ok: boolean;
  checks: Array<{ what: string; ok: boolean; detail: string }>;
}

export interface RollOptions {
  /** How long a replaced instance may take to become ready. */
  readyTimeoutMs: number;
  log: (line: string) => void;
}

async function readiness(url: string): Promise<{ ok: boolean; detail: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    const body = await res.text();
    return { ok: res.ok, detail: `${res.status} ${body.slice(0, 200)}` };
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

/** Ready (its own /health/ready) and running the release it was given (its /version). */
async function waitHealthy(
  stack: RunningStack,
  service: string,
  release: string,
  timeoutMs: number,
): Promise<string | null> {
  const base = new URL(stack.readyUrls.get(service)!).origin;
  const proc = stack.services.get(service)!.proc;
  const deadline = Date.now() + timeoutMs;
  let last = 'not started';
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      return `exited (${proc.exitCode ?? proc.signalCode}) while starting`;
    }
    const ready = await readiness(`${base}/health/ready`);
    last = ready.detail;
    if (ready.ok) {
      const version = await fetch(`${base}/version`, { signal: AbortSignal.timeout(2_000) })
        .then((r) => r.json() as Promise<{ version?: string }>)
        .catch(() => null);
      // The web's /version is not ours to shape; its readiness suffices there.
      if (service.startsWith('web') || version?.version === release) return null;
      last = `reports release ${version?.version ?? '?'}, not ${release}`;
    }
    await Bun.sleep(250);
  }
  return `not healthy after ${timeoutMs / 1000} s: ${last}`;
}

/** Health, a tile, a tRPC read and the sign-in page, all through the front door. */
export async function smokeCheck(base: string): Promise<SmokeResult> {
  const check = async (
    what: string,
    path: string,
    good: (res: Response) => boolean,
  ): Promise<{ what: string; ok: boolean; detail: string }> => {
    try {
      const res = await fetch(`${base}${path}`, {
        redirect: 'manual',
        signal: AbortSignal.timeout(5_000),
      });
      await res.arrayBuffer();
      return { what, ok: good(res), detail: `${res.status}` };
    } catch (error) {
      return { what, ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  };
  const checks = await Promise.all([
    check('health', '/health', (r) => r.status === 200),
    check('tile', '/tiles/nodes,threads/10/540/330.mvt', (r) => r.status === 200),
    check('tRPC read', '/trpc/weaveries.list', (r) => r.status === 200),
    check(
      'sign-in page',
      '/auth/login',
      (r) => r.status >= 300 && r.status < 400 && (r.headers.get('location') ?? '') !== '',
    ),
    check('map page', '/', (r) => r.status === 200),
  ]);
  return { ok: checks.every((c) => c.ok), checks };
}

/** Replaces one instance with `release` and waits until it is healthy; null when it is. */
async function replace(
  stack: RunningStack,
  service: string,
  release: Release,
  opts: RollOptions,
  /** The whole environment to go back to (a rollback), instead of laying `release` over it. */
  restore?: Record<string, string>,
): Promise<RollStep> {
  const started = Date.now();
  if (restore) {
    await stack.replaceService(service, restore, { exact: true });
  } else {
    await stack.replaceService(service, { RELEASE: release.name, ...release.env?.(service) });
  }
  let why = await waitHealthy(stack, service, release.name, opts.readyTimeoutMs);
  if (!why && (service.startsWith('edge') || service.startsWith('web'))) {
    await Bun.sleep(CADDY_SEES_IT_MS);
  }
  if (why) why = `${service}: ${why}`;
  const step: RollStep = {
    service,
    release: release.name,
    ok: !why,
    seconds: (Date.now() - started) / 1000,
    ...(why ? { why } : {}),
  };
  opts.log(
    `  ${service} → ${release.name}: ${step.ok ? 'healthy' : `FAILED (${why})`} after ${step.seconds.toFixed(1)} s`,
  );
  return step;
}

/**
 * Rolls every instance from `previous` to `target`, one at a time. On a failed step or smoke
 * check, the instances already replaced (and the failed one) go back to `previous`.
 */
export async function roll(
  stack: RunningStack,
  previous: Release,
  target: Release,
  opts: RollOptions,
): Promise<RollResult> {
  const services = ROLL_ORDER.filter((s) => stack.services.has(s));
  const steps: RollStep[] = [];
  const replaced: string[] = [];
  // What each instance ran with before, so a rollback brings back exactly that.
  const before = new Map<string, Record<string, string>>(
    services.map((s) => [s, { ...stack.services.get(s)!.env }]),
  );
  let failure: { at: string; why: string } | null = null;
  opts.log(`roll ${previous.name} → ${target.name}: ${services.join(', ')}`);
  for (const service of services) {
    replaced.push(service);
    const step = await replace(stack, service, target, opts);
    steps.push(step);
    if (!step.ok) {
      failure = { at: service, why: step.why ?? 'failed' };
      break;
    }
  }
  let smoke: SmokeResult | null = null;
  if (!failure) {
    smoke = await smokeCheck(`http://127.0.0.1:${stack.ports.caddy}`);
    if (!smoke.ok) {
      const bad = smoke.checks.filter((c) => !c.ok);
      failure = {
        at: 'smoke check',
        why: bad.map((c) => `${c.what} ${c.detail}`).join(', '),
      };
    }
  }
  if (!failure) return { ok: true, running: target.name, steps, rolledBack: false, smoke };

  opts.log(`roll failed at ${failure.at} (${failure.why}); rolling back to ${previous.name}`);
  for (const service of [...replaced].reverse()) {
    const step = await replace(stack, service, previous, opts, {
      ...before.get(service)!,
      RELEASE: previous.name,
    });
    steps.push(step);
    if (!step.ok) {
      return {
        ok: false,
        running: 'mixed',
        steps,
        rolledBack: false,
        failedAt: failure.at,
        why: `${failure.why}; the rollback failed too at ${service}`,
        smoke,
      };
    }
  }
  smoke = await smokeCheck(`http://127.0.0.1:${stack.ports.caddy}`);
  return {
    ok: false,
    running: previous.name,
    steps,
    rolledBack: smoke.ok,
    failedAt: failure.at,
    why: failure.why,
    smoke,
  };
}
