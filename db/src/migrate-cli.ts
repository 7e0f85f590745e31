// `bun db/src/migrate-cli.ts`: migrate the database (and load demo data when SEED_DEMO=true,
// the gazetteer when LOAD_GAZETTEER=true, the basemap — whose labels come from it — when
// LOAD_BASEMAP=true).
import { loadDbEnv } from './env.ts';
import { migrate } from './migrate.ts';

const env = loadDbEnv();
const log = (msg: string) =>
  console.log(JSON.stringify({ level: 'info', service: 'migrate', msg }));
const applied = await migrate(env.DATABASE_URL, {
  corePassword: env.CORE_DB_PASSWORD,
  edgePassword: env.EDGE_DB_PASSWORD,
  log,
});
log(applied.length ? `applied ${applied.length} migration(s)` : 'schema up to date');
if (env.SEED_DEMO) {
  const { seedDemo } = await import('./seed/demo.ts');
  await seedDemo(env.DATABASE_URL, { log });
}
if (env.LOAD_GAZETTEER) {
  const { loadGazetteer } = await import('./gazetteer/load.ts');
  await loadGazetteer(env.DATABASE_URL, { log });
}
if (env.LOAD_BASEMAP) {
  const { loadBasemap } = await import('./basemap/load-basemap.ts');
  await loadBasemap(env.DATABASE_URL, { log });
}
