// `bun db/src/gazetteer/cli.ts [--countries DE,AT,…]`: loads the gazetteer into DATABASE_URL.
import { parseArgs } from 'node:util';
import { loadDbEnv } from '../env.ts';
import { loadGazetteer } from './load.ts';

const { values } = parseArgs({ options: { countries: { type: 'string' } } });
const env = loadDbEnv();
await loadGazetteer(env.DATABASE_URL, {
  countries: values.countries?.split(',').map((c) => c.trim()),
  log: (line) => console.log(line),
});
