// Stopping without dropping a request. On SIGTERM (a deploy replacing this instance, Docker
// stopping its container) a service first drains: /health/ready answers 503 "draining" while
// every request is still served, so the front door's health checks take the instance out of
// rotation; answers carry `Connection: close`, so no pooled connection to it is reused later.
// After DRAIN_MS the service stops listening, lets requests under way finish and exits.
// SIGINT (Ctrl-C at a terminal) skips the drain.
import type { Logger } from './logger.ts';

export interface Drain {
  /** True from the stop signal on. */
  readonly draining: boolean;
}

export interface GracefulShutdownOptions {
  /** How long to keep serving after SIGTERM while readiness says "draining". */
  drainMs: number;
  log: Logger;
  /** Called once when the drain starts (e.g. end live streams so their readers move on). */
  onDrain?: () => void;
  /** Stops listening and closes what the service holds; the process exits after it. */
  stop: () => Promise<void>;
}

export function gracefulShutdown(opts: GracefulShutdownOptions): Drain {
  const state = { draining: false };
  let stopping = false;
  const run = async (signal: 'SIGTERM' | 'SIGINT') => {
    if (stopping) return;
    stopping = true;
    state.draining = true;
    const drainMs = signal === 'SIGTERM' ? opts.drainMs : 0;
    opts.log.info('stopping', { signal, drainMs });
    if (drainMs > 0) {
      await Bun.sleep(drainMs / 2);
      opts.onDrain?.();
      await Bun.sleep(drainMs / 2);
    } else {
      opts.onDrain?.();
    }
    try {
      await opts.stop();
    } catch (error) {
      opts.log.error('stop failed', { error });
      process.exit(1);
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void run('SIGTERM'));
  process.on('SIGINT', () => void run('SIGINT'));
  return state;
}

/** Says on an answer that its service is draining (the edge passes such a core over). */
export const DRAINING_HEADER = 'x-draining';

/**
 * Marks an answer of a draining service so the caller does not reuse its connection, and
 * says it is draining so callers that choose among instances stop choosing this one.
 */
export function closeWhileDraining(response: Response, drain: Drain): Response {
  if (!drain.draining) return response;
  try {
    response.headers.set('connection', 'close');
    response.headers.set(DRAINING_HEADER, '1');
    return response;
  } catch {
    // Immutable headers (a proxied response): copy them once.
    const headers = new Headers(response.headers);
    headers.set('connection', 'close');
    headers.set(DRAINING_HEADER, '1');
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  }
}

/** The release this process runs: RELEASE from the deploy (an image tag, a commit), else `fallback`. */
export function releaseVersion(fallback: string): string {
  const release = process.env.RELEASE?.trim();
  return release && /^[A-Za-z0-9._:-]{1,80}$/.test(release) ? release : fallback;
}
