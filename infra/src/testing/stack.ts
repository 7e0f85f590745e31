// Real PostgreSQL + NATS for integration tests: started once per test process on free
// ports under .data/test-<pid>, each test file gets its own database cloned from a
// migrated template.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { migrate } from '@weltgewebe/db/migrate';
import postgres from 'postgres';
import { type NatsHandle, startNats } from '../services/nats.ts';
import { type PostgresHandle, startPostgres, stopPostgresSync } from '../services/postgres.ts';

export const REPO_ROOT = resolve(import.meta.dir, '../../..');
const TEMPLATE = 'weltgewebe_template';

export interface TestServices {
  pg: PostgresHandle;
  nats: NatsHandle;
  root: string;
}

let services: Promise<TestServices> | null = null;
const stopHooks: Array<() => void> = [];

/** Stops what testServices() started; the test preload calls it after the last file. */
export function shutdownTestServices() {
  for (const hook of stopHooks.splice(0)) hook();
  services = null;
}

function removeStaleRuns(dataRoot: string) {
  if (!existsSync(dataRoot)) return;
  for (const entry of readdirSync(dataRoot)) {
    const match = /^test-(\d+)$/.exec(entry);
    if (!match) continue;
    const pid = Number(match[1]);
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {}
    if (!alive) {
      stopPostgresSync(join(dataRoot, entry, 'pg'));
      Bun.spawnSync(['pkill', '-KILL', '-f', join(dataRoot, entry, 'nats')]);
      rmSync(join(dataRoot, entry), { recursive: true, force: true });
    }
  }
}

async function boot(): Promise<TestServices> {
  const dataRoot = join(REPO_ROOT, '.data');
  removeStaleRuns(dataRoot);
  const root = join(dataRoot, `test-${process.pid}`);
  const pg = await startPostgres({
    dataDir: join(root, 'pg'),
    ephemeral: true,
    database: TEMPLATE,
  });
  const nats = await startNats({ storeDir: join(root, 'nats') });
  const shutdown = () => {
    void nats.kill();
    stopPostgresSync(pg.dataDir);
    rmSync(root, { recursive: true, force: true });
  };
  process.on('exit', shutdown);
  stopHooks.push(shutdown);
  await migrate(pg.url(TEMPLATE));
  return { pg, nats, root };
}

/** The shared services of this test process (started on first use). */
export function testServices(): Promise<TestServices> {
  services ??= boot();
  return services;
}

export interface TestDatabase {
  name: string;
  ownerUrl: string;
  coreUrl: string;
  edgeUrl: string;
  drop(): Promise<void>;
}

let counter = 0;

/** A fresh, migrated database of its own (cloned from the template in milliseconds). */
export async function freshDatabase(): Promise<TestDatabase> {
  const { pg } = await testServices();
  const name = `t_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(pg.url('postgres'), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    ownerUrl: pg.url(name),
    coreUrl: pg.url(name, 'weltgewebe_core'),
    edgeUrl: pg.url(name, 'weltgewebe_edge'),
    async drop() {
      const a = postgres(pg.url('postgres'), { max: 1, onnotice: () => {} });
      try {
        await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}
