// The backup service (`bun infra/src/backup/backup-service.ts`): takes the nightly backup
// into every repository, runs the weekly restore drill, and exports what the alerts watch on
// /metrics: newest backup per repository, WAL archiving (pg_stat_archiver and segments
// waiting in pg_wal), the last drill's outcome, RPO and RTO, and disk fill. Same process in
// production (compose service `backup`) and under `npm run up` (without the drill).
import { readdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, createServiceMetrics, serviceEndpoints } from '@weltgewebe/kit';
import postgres from 'postgres';
import { loadBackupEnv } from './env.ts';
import { backrest, backrestOrThrow, type StanzaInfo, stanzaInfo } from './pgbackrest.ts';
import {
  type DrillResult,
  readDrillResult,
  runRestoreDrill,
  summaryLine,
} from './restore-drill.ts';
import { backupDue, drillDue } from './schedule.ts';

const env = loadBackupEnv();
const log = createLogger('backup', { level: env.LOG_LEVEL });
const repo = { configPath: env.PGBACKREST_CONFIG, stanza: env.BACKUP_STANZA };
const sql = postgres(env.DATABASE_URL, {
  max: 1,
  idle_timeout: 30,
  connect_timeout: 5,
  onnotice: () => {},
  connection: { application_name: 'backup' },
});
const resultFile = join(env.BACKUP_STATE_DIR, 'restore-drill-last.json');

const metrics = createServiceMetrics('backup');
const g = {
  backupLast: metrics.gauge(
    'weltgewebe_backup_last_success_timestamp_seconds',
    'When the newest backup in the repository finished',
    ['repo'],
  ),
  backupCount: metrics.gauge('weltgewebe_backup_sets', 'Backups kept in the repository', ['repo']),
  backupFailed: metrics.gauge(
    'weltgewebe_backup_last_failure_timestamp_seconds',
    'When a scheduled backup last failed (0: never since start)',
    ['repo'],
  ),
  stanzaStatus: metrics.gauge(
    'weltgewebe_backup_stanza_status',
    'pgBackRest stanza status code (0 = ok; -1: info failed)',
  ),
  archivedAt: metrics.gauge(
    'weltgewebe_wal_archive_last_success_timestamp_seconds',
    'When the archiver last stored a WAL segment (0: never)',
  ),
  archiveFailedAt: metrics.gauge(
    'weltgewebe_wal_archive_last_failure_timestamp_seconds',
    'When archiving a WAL segment last failed (0: never)',
  ),
  archiveEnabled: metrics.gauge('weltgewebe_wal_archive_enabled', 'archive_mode is on (1) or not'),
  walReady: metrics.gauge(
    'weltgewebe_wal_archive_pending_segments',
    'WAL segments finished but not yet archived',
  ),
  // Labelled by the repository restored from, so nothing is exported before a first drill.
  drillRun: metrics.gauge(
    'weltgewebe_restore_drill_last_run_timestamp_seconds',
    'When the last restore drill finished',
    ['repo'],
  ),
  drillOk: metrics.gauge(
    'weltgewebe_restore_drill_success',
    'Whether the last restore drill passed (1) or failed (0)',
    ['repo'],
  ),
  drillLastOk: metrics.gauge(
    'weltgewebe_restore_drill_last_success_timestamp_seconds',
    'When a restore drill last passed',
    ['repo'],
  ),
  drillRpo: metrics.gauge(
    'weltgewebe_restore_drill_rpo_seconds',
    'RPO measured by the last drill',
    ['repo'],
  ),
  drillRto: metrics.gauge(
    'weltgewebe_restore_drill_rto_seconds',
    'RTO measured by the last drill',
    ['repo'],
  ),
  drillTables: metrics.gauge(
    'weltgewebe_restore_drill_tables_matched',
    'Tables equal to the source in the last drill',
    ['repo'],
  ),
  diskUsed: metrics.gauge(
    'weltgewebe_filesystem_used_ratio',
    'Fill level of the filesystem holding the path (as df shows it)',
    ['path'],
  ),
};

let info: StanzaInfo | null = null;
let job: string | null = null;

/** From the result file, so a drill run by hand (`npm run restore-drill`) shows too. */
function showDrill(r: DrillResult | null) {
  if (!r) return;
  for (const gauge of [g.drillRun, g.drillOk, g.drillLastOk, g.drillRpo, g.drillRto, g.drillTables])
    gauge.reset();
  const labels = { repo: r.restoreRepo === null ? 'any' : String(r.restoreRepo) };
  g.drillRun.set(labels, Date.parse(r.finishedAt) / 1000);
  g.drillOk.set(labels, r.ok ? 1 : 0);
  if (r.lastSuccessAt) g.drillLastOk.set(labels, Date.parse(r.lastSuccessAt) / 1000);
  if (r.rpoSeconds !== null) g.drillRpo.set(labels, r.rpoSeconds);
  if (r.rtoSeconds !== null) g.drillRto.set(labels, r.rtoSeconds);
  g.drillTables.set(labels, r.tablesMatched);
}

async function collect() {
  try {
    info = await stanzaInfo(repo);
    g.stanzaStatus.set(info.status.code);
    for (const r of env.BACKUP_REPOS) {
      const sets = info.backups.filter((b) => b.repo === r);
      g.backupCount.set({ repo: String(r) }, sets.length);
      const newest = sets.at(-1);
      if (newest) g.backupLast.set({ repo: String(r) }, newest.stop);
    }
  } catch (error) {
    g.stanzaStatus.set(-1);
    log.warn('pgbackrest info failed', { error: String(error) });
  }
  try {
    const [row] = await sql<{ mode: string; archived: number | null; failed: number | null }[]>`
      SELECT current_setting('archive_mode') AS mode,
             extract(epoch FROM last_archived_time)::float8 AS archived,
             extract(epoch FROM last_failed_time)::float8 AS failed
        FROM pg_stat_archiver`;
    g.archiveEnabled.set(row?.mode === 'on' ? 1 : 0);
    // 0 when nothing was ever archived, so a failure from the very start still compares.
    g.archivedAt.set(row?.archived ?? 0);
    g.archiveFailedAt.set(row?.failed ?? 0);
  } catch (error) {
    log.warn('reading pg_stat_archiver failed', { error: String(error) });
  }
  if (env.PGDATA) {
    try {
      const status = readdirSync(join(env.PGDATA, 'pg_wal', 'archive_status'));
      g.walReady.set(status.filter((f) => f.endsWith('.ready')).length);
    } catch (error) {
      log.warn('reading pg_wal/archive_status failed', { error: String(error) });
    }
  }
  for (const path of env.DISK_PATHS) {
    try {
      const fs = statfsSync(path);
      const used = fs.blocks - fs.bfree;
      g.diskUsed.set({ path }, used / (used + fs.bavail));
    } catch (error) {
      log.warn('statfs failed', { path, error: String(error) });
    }
  }
  showDrill(readDrillResult(resultFile));
}

async function runJobs() {
  if (job || !info) return;
  const now = new Date();
  for (const r of env.BACKUP_REPOS) {
    const newest = info.backups.filter((b) => b.repo === r).at(-1);
    if (!backupDue(now, newest ? newest.start * 1000 : null, env.BACKUP_HOUR)) continue;
    job = `backup repo ${r}`;
    const started = Date.now();
    try {
      // A repository's first backup is full whatever the nightly type is.
      const type = newest ? env.BACKUP_TYPE : 'full';
      log.info('backup starting', { repo: r, type });
      await backrestOrThrow(repo, ['backup', `--repo=${r}`, `--type=${type}`]);
      log.info('backup done', { repo: r, type, seconds: (Date.now() - started) / 1000 });
    } catch (error) {
      g.backupFailed.set({ repo: String(r) }, Date.now() / 1000);
      log.error('backup failed', { repo: r, error: String(error) });
    } finally {
      job = null;
    }
    await collect();
    return;
  }
  const lastDrill = readDrillResult(resultFile);
  const lastStart = lastDrill ? Date.parse(lastDrill.startedAt) : null;
  const haveBackup = info.backups.length > 0;
  if (
    env.DRILL_ENABLED &&
    haveBackup &&
    drillDue(now, lastStart, env.DRILL_WEEKDAY, env.DRILL_HOUR)
  ) {
    job = 'restore drill';
    try {
      log.info('restore drill starting', { repo: env.DRILL_REPO ?? 'any' });
      const result = await runRestoreDrill({
        repo,
        sourceUrl: env.DATABASE_URL,
        workDir: env.DRILL_DIR,
        repoRoot: process.cwd(),
        log: (line) => log.info(line),
        backup: 'if-none',
        ...(env.DRILL_REPO ? { restoreRepo: env.DRILL_REPO } : {}),
        resultFile,
      });
      (result.ok ? log.info : log.error).call(log, summaryLine(result), { ...result });
      showDrill(result);
    } finally {
      job = null;
    }
  }
}

// The stanza exists after the first start (idempotent); a mismatch is reported, not repaired.
const created = await backrest(repo, ['stanza-create']);
if (created.exitCode !== 0) {
  log.error('pgbackrest stanza-create failed', { output: `${created.stderr}${created.stdout}` });
}
await collect();

const endpoints = serviceEndpoints({
  service: 'backup',
  version: '0.1.0',
  registry: metrics.registry,
  checks: {
    database: () => sql`SELECT 1`,
    repository: async () => {
      if (info?.status.code !== 0) throw new Error(info?.status.message ?? 'no info');
    },
  },
});
const server = Bun.serve({
  port: env.BACKUP_PORT,
  fetch: async (req) => (await endpoints(req)) ?? new Response('not found', { status: 404 }),
});
log.info('backup service running', {
  port: server.port,
  repos: env.BACKUP_REPOS,
  drill: env.DRILL_ENABLED,
});

const timer = setInterval(() => {
  void collect()
    .then(runJobs)
    .catch((error) => log.error('backup tick failed', { error: String(error) }));
}, 30_000);
void runJobs().catch((error) => log.error('backup tick failed', { error: String(error) }));

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  await server.stop();
  await sql.end({ timeout: 5 });
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
