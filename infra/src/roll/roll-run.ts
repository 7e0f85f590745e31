// `npm run roll`: the HA topology on free ports, people reading and writing through Caddy
// without any retry (so every answer that is not a success counts as failed), and meanwhile
// a full roll to a new release, then a roll to a broken release (one edge cannot reach its
// database) that must roll back by itself. Prints one line per roll; exit 0 only when the
// full roll succeeded, the broken one came back to the previous release, and no request
// failed during either. Loopback only, bounded in time.
import { type ClientStats, newClientStats } from '../chaos/chaos-client.ts';
import { startLoad } from '../chaos/load.ts';
import { startHaUnderLoad } from '../stack/ha-under-load.ts';
import type { RunningStack } from '../stack/stack.ts';
import { type Release, type RollResult, roll } from './roll.ts';

export interface RollRunOptions {
  /** Shorter waits for a broken instance (the test suite's run). */
  short: boolean;
  logDir: string;
  log: (line: string) => void;
}

export interface RollRunResult {
  lines: string[];
  ok: boolean;
}

/** A release whose `service` cannot reach its database (a bad setting shipped with it). */
function brokenFor(stack: RunningStack, service: string): Release['env'] {
  return (name): Record<string, string> => {
    if (name !== service) return {};
    const url = new URL(stack.services.get(name)!.env.EDGE_DATABASE_URL!);
    url.pathname = '/weltgewebe_missing';
    return { EDGE_DATABASE_URL: url.toString() };
  };
}

/** The first words of a failure, for the one summary line (the log has the whole of it). */
const shorten = (why: string) => (why.length > 90 ? `${why.slice(0, 87)}…` : why);

function describe(kind: string, from: string, to: string, result: RollResult, stats: ClientStats) {
  const failed = stats.errors.length;
  const seconds = result.steps.reduce((s, step) => s + step.seconds, 0).toFixed(0);
  const smoke = result.smoke?.ok ? 'smoke ok' : 'smoke FAILED';
  const what = result.ok
    ? `${result.steps.length} instances replaced one at a time in ${seconds} s, ${smoke}`
    : `failed at ${result.failedAt} (${shorten(result.why ?? '')}); ${result.rolledBack ? `back on ${result.running}` : 'NOT rolled back'} in ${seconds} s, ${smoke}`;
  return `${kind}: ${from} → ${to}: ${what}; load: ${stats.requests} requests, ${failed} failed`;
}

export async function runRoll(opts: RollRunOptions): Promise<RollRunResult> {
  const log = opts.log;
  const run = await startHaUnderLoad({ name: 'roll', web: true, logDir: opts.logDir, log });
  const { stack, base, tokens, nodes } = run;
  try {
    const coreVersion = await fetch(new URL('/version', stack.readyUrls.get('core')!))
      .then((r) => r.json() as Promise<{ version: string }>)
      .then((v) => v.version);
    const first: Release = { name: coreVersion };
    const second: Release = { name: 'roll-2' };
    const broken: Release = { name: 'roll-3-broken', env: brokenFor(stack, 'edge2') };
    const rollOpts = { readyTimeoutMs: opts.short ? 45_000 : 90_000, log };

    const underLoad = async (fn: () => Promise<RollResult>) => {
      const stats = newClientStats();
      const load = startLoad({
        base,
        tokens,
        loopsPerPerson: 2,
        thinkMs: 150,
        nodes,
        stats,
        retry: false,
        pages: true,
      });
      try {
        // A little load before the first replacement, so the roll starts under it.
        await Bun.sleep(1_500);
        return { result: await fn(), stats };
      } finally {
        await Bun.sleep(1_500);
        await load.stop();
      }
    };

    const full = await underLoad(() => roll(stack, first, second, rollOpts));
    const fullLine = describe('roll', first.name, second.name, full.result, full.stats);
    log(fullLine);
    for (const e of full.stats.errors.slice(0, 10)) log(`  error: ${e.what}: ${e.detail}`);

    const back = await underLoad(() => roll(stack, second, broken, rollOpts));
    const backLine = describe('rollback', second.name, broken.name, back.result, back.stats);
    log(backLine);
    for (const e of back.stats.errors.slice(0, 10)) log(`  error: ${e.what}: ${e.detail}`);

    const ok =
      full.result.ok &&
      full.stats.errors.length === 0 &&
      full.stats.requests > 0 &&
      !back.result.ok &&
      back.result.failedAt === 'edge2' &&
      back.result.rolledBack &&
      back.result.running === second.name &&
      back.stats.errors.length === 0 &&
      back.stats.requests > 0;
    return { lines: [fullLine, backLine], ok };
  } finally {
    await run.stop();
  }
}
