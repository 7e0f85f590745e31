// The restore drill on small data, as `npm run restore-drill` runs it on the local stack: a
// cluster that archives WAL with pgBackRest, a real core and relay writing Knoten through
// the outbox (no workers: their effects are missing at the recovery point), a base backup
// taken before those writes (so the restore must replay WAL), then the drill. It must give
// back every table as it was at the marker and bring the copy's consumers in line; the
// backup service then exports the drill and the backups as metrics.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { migrate } from '@weltgewebe/db/migrate';
import { seedDemo } from '@weltgewebe/db/seed';
import postgres from 'postgres';
import { freePort, waitForHttp } from '../services/free-port.ts';
import { type NatsHandle, startNats } from '../services/nats.ts';
import { type PostgresHandle, startPostgres, stopPostgresSync } from '../services/postgres.ts';
import { type ServiceProcess, spawnService } from '../stack/processes.ts';
import { accessTokenFor, REPO_ROOT, testOidc, testServices } from '../testing/index.ts';
import {
  archiveSettings,
  type BackrestRepo,
  ensureStanza,
  localBackrest,
  stanzaInfo,
  takeBackup,
} from './pgbackrest.ts';
import { type DrillResult, runRestoreDrill, summaryLine } from './restore-drill.ts';

let root: string;
let repo: BackrestRepo;
let pg: PostgresHandle;
let nats: NatsHandle;
const processes: ServiceProcess[] = [];
let corePort: number;
const lines: string[] = [];

async function startProcess(name: string, file: string, env: Record<string, string>, port: number) {
  const service = spawnService({
    name,
    argv: [process.execPath, file],
    env,
    cwd: REPO_ROOT,
    output: { kind: 'file', path: join(root, `${name}.log`) },
  });
  processes.push(service);
  await waitForHttp(`http://127.0.0.1:${port}/health/ready`, 60_000);
}

beforeAll(async () => {
  root = join((await testServices()).root, `drill-${crypto.randomUUID().slice(0, 8)}`);
  const port = await freePort();
  repo = localBackrest(join(root, 'backup'), { dataDir: join(root, 'pg'), port });
  pg = await startPostgres({ dataDir: join(root, 'pg'), port, archive: archiveSettings(repo) });
  // A killed test run must not leave the source cluster behind.
  process.on('exit', () => stopPostgresSync(join(root, 'pg')));
  await ensureStanza(repo, (l) => lines.push(l));
  await migrate(pg.url());
  await seedDemo(pg.url());
  nats = await startNats({ storeDir: join(root, 'nats') });
  const oidc = await testOidc();
  const common = {
    CORE_DATABASE_URL: pg.url(undefined, 'weltgewebe_core'),
    NATS_URL: nats.url,
    OIDC_ISSUER: oidc.issuer,
    OIDC_AUDIENCE: 'weltgewebe',
    ROLE_CLAIM_PATH: 'realm_access.roles',
    LOG_LEVEL: 'warn',
  };
  corePort = await freePort();
  await startProcess('core', 'core/src/main.ts', { ...common, PORT: String(corePort) }, corePort);
  const relayPort = await freePort();
  await startProcess(
    'relay',
    'core/src/relay-main.ts',
    { ...common, RELAY_PORT: String(relayPort) },
    relayPort,
  );
}, 180_000);

afterAll(async () => {
  for (const p of processes.reverse()) await p.stop();
  await nats?.stop();
  await pg?.stop();
});

async function createNode(title: string, lat: number, lon: number) {
  const res = await fetch(`http://127.0.0.1:${corePort}/trpc/nodes.create`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await accessTokenFor('weaver')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ operationId: crypto.randomUUID(), kind: 'place', title, lat, lon }),
  });
  expect(res.status).toBe(200);
}

describe('restore drill', () => {
  let result: DrillResult;

  test('restores to just after the marker: every table as it was, consumers in line', async () => {
    await takeBackup(repo, 'full');
    // After the base backup: only the archived WAL can give these back.
    await createNode('Nach der Sicherung', 53.55, 9.99);
    await createNode('Auch danach', 48.14, 11.58);
    const sql = postgres(pg.url(), { max: 1, onnotice: () => {} });
    try {
      // The relay publishes them; no worker handles them before the marker.
      for (let i = 0; i < 200; i++) {
        const [row] = await sql<{ n: number }[]>`
          SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`;
        if (row!.n === 0) break;
        await Bun.sleep(100);
      }
      const [tables] = await sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_tables
         WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`;

      result = await runRestoreDrill({
        repo,
        sourceUrl: pg.url(),
        workDir: join(root, 'drill'),
        repoRoot: REPO_ROOT,
        log: (l) => lines.push(l),
        resultFile: join(repo.dir, 'restore-drill-last.json'),
      });
      console.log(summaryLine(result));
      expect({ error: result.error, ok: result.ok }).toEqual({ error: null, ok: true });
      expect(summaryLine(result)).toMatch(
        /^restore drill: RPO \d+\.\d s, RTO \d+\.\d s, \d+ tables match$/,
      );
      expect(result.tablesMatched).toBe(tables!.n);
      // Two node.created events the workers had not handled at the marker, and more.
      expect(result.replayed).toBeGreaterThanOrEqual(2);
      expect(result.consumersConsistent).toBe(true);
      // The source keeps running; the drill left both marker rows there.
      const markers = await sql`SELECT kind FROM ops.restore_drill_markers ORDER BY kind`;
      expect(markers.map((m) => m.kind)).toEqual(['after', 'marker']);
    } finally {
      await sql.end();
    }
  }, 400_000);

  test('the backup service exports the backups, the archiver and the drill', async () => {
    expect(result?.ok).toBe(true);
    const port = await freePort();
    await startProcess(
      'backup',
      'infra/src/backup/backup-service.ts',
      {
        BACKUP_PORT: String(port),
        PGBACKREST_CONFIG: repo.configPath,
        DATABASE_URL: pg.url(),
        PGDATA: pg.dataDir,
        BACKUP_STATE_DIR: repo.dir,
        DISK_PATHS: root,
        LOG_LEVEL: 'warn',
      },
      port,
    );
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const value = (name: string) => {
      const line = text.split('\n').find((l) => l.startsWith(name));
      return line ? Number(line.split(' ').at(-1)) : null;
    };
    const info = await stanzaInfo(repo);
    expect(value('weltgewebe_backup_last_success_timestamp_seconds{repo="1"')).toBe(
      info.backups.at(-1)!.stop,
    );
    expect(value('weltgewebe_wal_archive_enabled')).toBe(1);
    expect(value('weltgewebe_wal_archive_last_success_timestamp_seconds')).toBeGreaterThan(0);
    expect(value('weltgewebe_restore_drill_success{repo="any"')).toBe(1);
    expect(value('weltgewebe_restore_drill_rpo_seconds{')).toBe(result.rpoSeconds);
    expect(value('weltgewebe_restore_drill_tables_matched{')).toBe(result.tablesMatched);
    expect(value('weltgewebe_restore_drill_last_success_timestamp_seconds{')).toBe(
      Date.parse(result.finishedAt) / 1000,
    );
    const disk = value('weltgewebe_filesystem_used_ratio{');
    expect(disk).toBeGreaterThan(0);
    expect(disk).toBeLessThan(1);
  }, 120_000);
});
