// `npm run roll` (bun infra/src/cli.ts roll [--short] [--logs=<dir>]): a full rolling release
// and a forced rollback of the HA topology under load; prints one line for each and exits 0
// only when both went as they must with no failed request.
import { join } from 'node:path';
import { REPO_ROOT } from '../stack/stack.ts';
import { runRoll } from './roll-run.ts';

export async function runRollCommand(
  args: string[],
  log: (line: string) => void,
  logDir = join(REPO_ROOT, '.data', 'roll-logs'),
): Promise<number> {
  const short = args.includes('--short');
  const logsArg = args.find((a) => a.startsWith('--logs='));
  const unknown = args.filter((a) => a !== '--short' && a !== logsArg);
  if (unknown.length) {
    log(`unknown option ${unknown.join(' ')} (roll takes --short and --logs=<dir>)`);
    return 2;
  }
  const started = Date.now();
  const result = await runRoll({
    short,
    logDir: logsArg ? logsArg.slice('--logs='.length) : logDir,
    log,
  });
  log(`roll run took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  for (const line of result.lines) console.log(line);
  return result.ok ? 0 : 1;
}
