// `bun infra/src/cli.ts up|test|chaos|restore-drill|backup`: the local stack, the whole test
// suite, the chaos run and the backups of the local cluster. The README's commands (`npm run
// up`, `npm test`, `npm run chaos`, `npm run restore-drill`) end up here after
// infra/bin/weltgewebe has installed Bun and the dependencies.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  archiveSettings,
  backrestOrThrow,
  ensureStanza,
  localBackrest,
} from './backup/pgbackrest.ts';
import { runRestoreDrill, summaryLine } from './backup/restore-drill.ts';
import { runSoak, soakReport } from './load/soak.ts';
import { runTests } from './run-tests.ts';
import { type PostgresHandle, startPostgres } from './services/postgres.ts';
import { ensureSystemPackages } from './services/system-packages.ts';
import { DEFAULT_PORTS, REPO_ROOT, type StackTopology, startStack } from './stack/stack.ts';
import { startThrowawayStack } from './stack/throwaway-stack.ts';

const log = (line: string) => console.log(`\x1b[1mweltgewebe\x1b[0m │ ${line}`);

function portsFromEnv() {
  const ports = { ...DEFAULT_PORTS };
  const map: Record<string, keyof typeof DEFAULT_PORTS> = {
    WG_PORT: 'caddy',
    WEB_PORT: 'web',
    EDGE_PORT: 'edge',
    CORE_PORT: 'core',
    OIDC_PORT: 'oidc',
    RELAY_PORT: 'relay',
    WORKERS_PORT: 'workers',
    PG_PORT: 'postgres',
    NATS_PORT: 'nats',
    NATS_MONITOR_PORT: 'natsMonitor',
  };
  for (const [name, key] of Object.entries(map)) {
    const value = process.env[name];
    if (!value) continue;
    const port = Number(value);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error(`${name} must be a port number, got "${value}"`);
    ports[key] = port;
  }
  return ports;
}

/** `--ha` or `--topology=ha`: the doubled topology; anything else is the default. */
function topologyFrom(args: string[]): StackTopology {
  if (args.includes('--ha')) return 'ha';
  const named = args.find((a) => a.startsWith('--topology='))?.slice('--topology='.length);
  if (named === undefined || named === 'single') return 'single';
  if (named === 'ha') return 'ha';
  throw new Error(`unknown topology "${named}" (single or ha)`);
}

function backupPortFromEnv(): number {
  const value = process.env.BACKUP_PORT ?? '3006';
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`BACKUP_PORT must be a port number, got "${value}"`);
  return port;
}

async function up(args: string[]) {
  ensureSystemPackages({ forTests: false, log });
  const topology = topologyFrom(args);
  // The HA topology keeps its own data (replica, NATS cluster, backups) beside the default one.
  const dataDir = join(REPO_ROOT, '.data', ...(topology === 'ha' ? ['ha'] : []));
  const stack = await startStack({
    dataDir,
    ports: portsFromEnv(),
    ephemeral: false,
    seed: process.env.SEED_DEMO !== 'false',
    topology,
    output: 'prefix',
    log,
    backup: { dir: join(dataDir, 'backup'), port: backupPortFromEnv() },
    osmDir: join(REPO_ROOT, '.data', 'osm'),
    mail: { dir: join(dataDir, 'mail') },
  });
  if (topology === 'ha') {
    const port = (name: string) => new URL(stack.readyUrls.get(name)!).port;
    log(
      `HA topology: edges :${port('edge')} :${port('edge2')}, cores :${port('core')} :${port('core2')}, ` +
        `relays :${port('relay')} :${port('relay2')}, workers :${port('workers')} :${port('workers2')}, ` +
        `PostgreSQL primary :${stack.ports.postgres} replica :${stack.replica!.port}, NATS ${stack.natsUrl}`,
    );
  }
  log(
    `Weltgewebe is up: ${stack.url}  (demo users reader / weaver / admin, password "demo"; Ctrl-C stops)`,
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log('stopping …');
    await stack.stop();
    log('stopped.');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  for (const [name, service] of stack.services) {
    service.proc.exited.then(async (code) => {
      // Ctrl-C signals every process of the group; give our own handler the first word.
      await Bun.sleep(1_000);
      if (!stopping) {
        log(`${name} exited unexpectedly (${code}); stopping everything`);
        void stop();
      }
    });
  }
}

/** Port of the local cluster when its postmaster runs (postmaster.pid: pid, dir, start, port). */
function runningPort(pgDir: string): number | null {
  const pidFile = join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n');
  try {
    process.kill(Number(pid), 0);
  } catch {
    return null;
  }
  return Number(port);
}

/**
 * The local cluster (.data/pg) as a backup source: the running one of `up`, or started here
 * (with archiving) for the command and stopped after it.
 */
async function localSource() {
  const dataDir = join(REPO_ROOT, '.data');
  const pgDir = join(dataDir, 'pg');
  if (!existsSync(join(pgDir, 'PG_VERSION'))) {
    throw new Error('no local database yet: run `npm run up` first');
  }
  const running = runningPort(pgDir);
  const port = running ?? portsFromEnv().postgres;
  const repo = localBackrest(join(dataDir, 'backup'), { dataDir: pgDir, port });
  let pg: PostgresHandle | null = null;
  if (!running) {
    log(`starting the local database on port ${port} for this command`);
    pg = await startPostgres({ dataDir: pgDir, port, archive: archiveSettings(repo) });
  }
  await ensureStanza(repo, log);
  return { dataDir, repo, port, stop: async () => await pg?.stop() };
}

async function restoreDrill(args: string[]) {
  ensureSystemPackages({ forTests: false, log });
  const backup = args.find((a) => a.startsWith('--backup='))?.slice('--backup='.length);
  if (backup && !['if-none', 'full', 'diff', 'incr'].includes(backup)) {
    throw new Error(`--backup must be if-none, full, diff or incr, got "${backup}"`);
  }
  const source = await localSource();
  try {
    const result = await runRestoreDrill({
      repo: source.repo,
      sourceUrl: `postgres://weltgewebe_owner@127.0.0.1:${source.port}/weltgewebe`,
      workDir: join(source.dataDir, 'restore-drill'),
      repoRoot: REPO_ROOT,
      log,
      backup: (backup ?? 'if-none') as 'if-none',
      resultFile: join(source.repo.dir, 'restore-drill-last.json'),
    });
    console.log(summaryLine(result));
    return result.ok ? 0 : 1;
  } finally {
    await source.stop();
  }
}

async function backupNow(args: string[]) {
  ensureSystemPackages({ forTests: false, log });
  const type = args[0] ?? 'full';
  if (!['full', 'diff', 'incr'].includes(type)) throw new Error(`backup type: full, diff or incr`);
  const source = await localSource();
  try {
    await backrestOrThrow(source.repo, ['backup', `--type=${type}`]);
    console.log(await backrestOrThrow(source.repo, ['info']));
    return 0;
  } finally {
    await source.stop();
  }
}

/**
 * `soak [--minutes=10]`: the whole stack on free ports, browser-like visitors and live feeds
 * through Caddy for that long after a one-minute warm-up; memory of every process at start
 * and end, the error count; fails on any error or a growth of 10 % or more.
 */
async function soak(args: string[]) {
  ensureSystemPackages({ forTests: false, log });
  const minutesArg = args.find((a) => a.startsWith('--minutes='))?.slice('--minutes='.length);
  const minutes = Number(minutesArg ?? process.env.SOAK_MINUTES ?? 10);
  if (!(minutes > 0 && minutes <= 240)) throw new Error(`--minutes must be 0 < m <= 240`);
  const stack = await startThrowawayStack({ name: 'load', log });
  try {
    log(`soak through ${stack.base} for ${minutes} min (service logs: ${stack.logDir})`);
    const result = await runSoak(stack, {
      durationMs: minutes * 60_000,
      warmupMs: 60_000,
      visitors: 4,
      liveFeeds: 4,
      log,
    });
    console.log(soakReport(result));
    return result.errors === 0 && result.grewTooMuch.length === 0 ? 0 : 1;
  } finally {
    await stack.stop();
  }
}

const command = process.argv[2];
switch (command) {
  case 'up':
    await up(process.argv.slice(3));
    break;
  case 'chaos':
    ensureSystemPackages({ forTests: false, log });
    // Loaded only here: the chaos run reads the workers' own handler lists.
    process.exit(
      await (await import('./chaos/chaos-cli.ts')).runChaosCommand(process.argv.slice(3), log),
    );
    break;
  case 'roll':
    ensureSystemPackages({ forTests: false, log });
    process.exit(
      await (await import('./roll/roll-cli.ts')).runRollCommand(process.argv.slice(3), log),
    );
    break;
  case 'test':
    ensureSystemPackages({ forTests: true, log });
    process.exit(await runTests(process.argv.slice(3), log));
    break;
  case 'soak':
    process.exit(await soak(process.argv.slice(3)));
    break;
  case 'restore-drill':
    process.exit(await restoreDrill(process.argv.slice(3)));
    break;
  case 'backup':
    process.exit(await backupNow(process.argv.slice(3)));
    break;
  default:
    console.log(`usage: bun infra/src/cli.ts <command>

  up      install what is missing, start the whole stack with demo data on http://localhost:8080
          --ha: two edges, cores, relays and worker processes, a PostgreSQL streaming replica
          and a three-node NATS JetStream cluster (data in .data/ha)
  test    run every test (unit, integration, browser) against real services; ends "N passed, N failed"
  chaos   start the HA topology on free ports, put load on it and kill -9 one process of each
          kind in turn; ends "chaos: N commands acknowledged, 0 lost, …" (--short: about 45 s)
  soak [--minutes=10]
          the whole stack on free ports, visitors and live feeds through Caddy; prints the
          memory of every process at start and end and the error count (fails on any error
          or a growth of 10 % or more)
  roll    start the HA topology on free ports, put load on it, roll every instance to a new
          release one at a time, then roll to a broken one that must come back by itself;
          ends with a "roll: …" and a "rollback: …" line (--short: shorter waits)
  restore-drill [--backup=if-none|full|diff|incr]
          restore the local database from its backups to just after a marker write into a
          fresh cluster, compare every table, replay the outbox; prints RPO, RTO, tables
  backup [full|diff|incr]
          take a backup of the local database now (pgBackRest, .data/backup)

environment for up: WG_PORT (8080), WEB_PORT, EDGE_PORT, CORE_PORT, OIDC_PORT, RELAY_PORT,
PG_PORT (54329), NATS_PORT (4223), NATS_MONITOR_PORT (8223), BACKUP_PORT (3006), SEED_DEMO (true)`);
    process.exit(command ? 2 : 0);
}
