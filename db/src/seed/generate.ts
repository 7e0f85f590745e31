// `bun db/src/seed/generate.ts --size small|medium|large [--seed N] [--countries DE,AT,…]`:
// a deterministic bulk world in DATABASE_URL (a fresh, migrated database), with its time.
import { parseArgs } from 'node:util';
import { loadDbEnv } from '../env.ts';
import { generateWorld, WORLD_SIZES, type WorldSize } from './world-generator.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'small' },
    seed: { type: 'string' },
    countries: { type: 'string' },
  },
});
if (!(values.size! in WORLD_SIZES)) {
  console.error(`--size must be one of: ${Object.keys(WORLD_SIZES).join(', ')}`);
  process.exit(2);
}
const env = loadDbEnv();
const summary = await generateWorld(env.DATABASE_URL, {
  size: values.size as WorldSize,
  seed: values.seed ? Number(values.seed) : undefined,
  countries: values.countries?.split(',').map((c) => c.trim().toUpperCase()),
  log: (line) => console.log(line),
});
console.log(JSON.stringify(summary));
