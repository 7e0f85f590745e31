// `npm run basemap -- --file <extract.osm.pbf|.osm> [--slim] [--flat-nodes <file>]
// [--processes <n>]`: imports an OpenStreetMap extract into DATABASE_URL's basemap (as the owner
// role) and swaps it in; `--processes` (default 2) for osm2pgsql and the building blocks.
import { parseArgs } from 'node:util';
import { loadDbEnv } from '../../env.ts';
import { importOsm, OsmImportError } from './import-osm.ts';

const { values } = parseArgs({
  options: {
    file: { type: 'string' },
    slim: { type: 'boolean', default: false },
    'flat-nodes': { type: 'string' },
    cache: { type: 'string' },
    processes: { type: 'string' },
  },
});
const log = (line: string) =>
  console.log(JSON.stringify({ level: 'info', service: 'basemap', msg: line }));
if (!values.file) {
  console.error(
    'usage: npm run basemap -- --file <extract.osm.pbf|.osm> [--slim] [--flat-nodes <file>] [--processes <n>]',
  );
  process.exit(2);
}
const processes = values.processes === undefined ? undefined : Number(values.processes);
if (
  processes !== undefined &&
  !(Number.isInteger(processes) && processes >= 1 && processes <= 64)
) {
  console.error('--processes takes a whole number from 1 to 64');
  process.exit(2);
}
const env = loadDbEnv();
try {
  await importOsm(env.DATABASE_URL, values.file, {
    log,
    slim: values.slim,
    ...(values['flat-nodes'] ? { flatNodes: values['flat-nodes'] } : {}),
    ...(values.cache ? { cacheMb: Number(values.cache) } : {}),
    ...(processes ? { processes } : {}),
  });
} catch (e) {
  if (e instanceof OsmImportError) {
    console.error(
      JSON.stringify({ level: 'error', service: 'basemap', code: e.code, msg: e.message }),
    );
    process.exit(1);
  }
  throw e;
}
