// `npm run chaos` (bun infra/src/cli.ts chaos [--short] [--logs=<dir>]): runs the chaos run and ends with its
// one line; exit 0 only when nothing was lost or doubled, every consumer saw every event and
// no client saw an error.
import { join } from 'node:path';
import { REPO_ROOT } from '../stack/stack.ts';
import { runChaos } from './chaos-run.ts';

export async function runChaosCommand(
  args: string[],
  log: (line: string) => void,
  logDir = join(REPO_ROOT, '.data', 'chaos-logs'),
): Promise<number> {
  const short = args.includes('--short');
  const logsArg = args.find((a) => a.startsWith('--logs='));
  const unknown = args.filter((a) => a !== '--short' && a !== logsArg);
  if (unknown.length) {
    log(`unknown option ${unknown.join(' ')} (chaos takes --short and --logs=<dir>)`);
    return 2;
  }
  const started = Date.now();
  const result = await runChaos({
    short,
    logDir: logsArg ? logsArg.slice('--logs='.length) : logDir,
    log,
  });
  log(`chaos run took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(result.line);
  return result.ok ? 0 : 1;
}
