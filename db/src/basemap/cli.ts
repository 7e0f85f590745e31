// `bun db/src/basemap/cli.ts [--force]`: loads the self-hosted basemap into DATABASE_URL
// (as the owner role; does nothing when this data version is loaded already).
import { parseArgs } from 'node:util';
import { loadDbEnv } from '../env.ts';
import { loadBasemap } from './load-basemap.ts';

const { values } = parseArgs({ options: { force: { type: 'boolean', default: false } } });
const env = loadDbEnv();
await loadBasemap(env.DATABASE_URL, {
  force: values.force,
  log: (line) => console.log(JSON.stringify({ level: 'info', service: 'basemap', msg: line })),
});
