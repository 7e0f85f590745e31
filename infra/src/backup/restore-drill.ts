// The restore drill: proves that the backups give back the database as it was at a moment,
// how much a crash at that moment would have lost (RPO) and how long getting it back takes
// (RTO). Steps, on a running cluster that archives WAL with pgBackRest:
//  1. a base backup exists (one is taken when the repository has none);
//  2. the marker: one transaction locks every user table against writes (SHARE), computes
//     row count + checksum of each, writes a marker row and commits; its exact commit time
//     (track_commit_timestamp) is the recovery target. One more row is committed right after;
//  3. RPO: seconds from the marker's commit until the WAL segment holding it is in the
//     repository, waiting for the ordinary archive path (archive_timeout), never forcing a
//     switch: a host lost at any moment of that window would have lost the marker;
//  4. RTO clock starts: pgBackRest restores into a fresh directory with recovery to the
//     marker's commit time, archiving off; the copy starts on a free port, replays WAL, is
//     promoted; it must hold the marker but not the row after it, and every table's count and
//     checksum must equal the source's at the marker. RTO clock stops;
//  5. consumers: on the copy, core's replay-cli deletes the stream and marks outbox rows the
//     consumers have not handled, the copy's own relay and workers run against a fresh NATS,
//     and replay-cli --check must report them consistent (outbox drained, every event
//     handled, rollups equal a recount). Edge caches are memory only: restarting the edges
//     drops them (nothing to drill).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import postgres from 'postgres';
import { freePort, waitForHttp } from '../services/free-port.ts';
import { startNats } from '../services/nats.ts';
import { asPgUser, chownTree, pgUserIds } from '../services/postgres.ts';
import { postgresBinDir } from '../services/system-packages.ts';
import { spawnService } from '../stack/processes.ts';
import { type BackrestRepo, backrestOrThrow, stanzaInfo, takeBackup } from './pgbackrest.ts';
import { differences, type TableChecksum, tableChecksums, userTables } from './table-checksums.ts';

export interface DrillOptions {
  repo: Pick<BackrestRepo, 'configPath' | 'stanza'>;
  /** Owner (superuser) URL of the source database. */
  sourceUrl: string;
  /** Scratch space: the restored cluster, its NATS and logs. */
  workDir: string;
  /** Where core/ lives (the restored copy's relay and workers run from it). */
  repoRoot: string;
  log: (line: string) => void;
  /** Take a backup first: `if-none` (default) only when the repository has none. */
  backup?: 'if-none' | 'full' | 'diff' | 'incr';
  /** Restore from this repository (production drills the off-host copy). */
  restoreRepo?: number;
  /** Bring the copy's consumers in line (default true). */
  consumers?: boolean;
  /** Where the outcome is kept as JSON (the backup service exports it as metrics). */
  resultFile?: string;
}

export interface DrillResult {
  ok: boolean;
  startedAt: string;
  finishedAt: string;
  rpoSeconds: number | null;
  rtoSeconds: number | null;
  tables: number;
  tablesMatched: number;
  /** Recovery target (the marker's commit time, UTC). */
  target: string | null;
  /** Outbox rows published again on the copy; null when consumers were not drilled. */
  replayed: number | null;
  consumersConsistent: boolean | null;
  error: string | null;
  /** Repository restored from (null: the one pgBackRest picked). */
  restoreRepo: number | null;
  /** When a drill last passed, this one or an earlier one (kept in the result file). */
  lastSuccessAt: string | null;
}

export const MARKER_TABLE = 'ops.restore_drill_markers';

/** The one line the drill prints. */
export function summaryLine(r: DrillResult): string {
  if (!r.ok) return `restore drill FAILED: ${r.error}`;
  return `restore drill: RPO ${r.rpoSeconds!.toFixed(1)} s, RTO ${r.rtoSeconds!.toFixed(1)} s, ${r.tablesMatched} tables match`;
}

interface Marker {
  id: string;
  afterId: string;
  /** Commit time as PostgreSQL prints it, UTC, microseconds: the recovery target. */
  target: string;
  committedAt: number;
  /** WAL segment that holds both commits (or a later one). */
  segment: string;
  checksums: TableChecksum[];
}

/** Step 2: lock, checksum, mark, commit; then the write right after. */
async function writeMarker(sql: postgres.Sql): Promise<Marker> {
  const tables = await userTables(sql);
  if (!tables.includes(MARKER_TABLE)) {
    throw new Error(`${MARKER_TABLE} is missing: run the migrations (bun db/src/migrate-cli.ts)`);
  }
  const id = crypto.randomUUID();
  const { checksums, xid } = await sql.begin('isolation level repeatable read', async (tx) => {
    await tx`SET LOCAL lock_timeout = '30s'`;
    // Before the first query, so the snapshot is taken with every writer held off: what the
    // checksums see is exactly the state the marker's commit closes.
    await tx.unsafe(`LOCK TABLE ${MARKER_TABLE} IN SHARE ROW EXCLUSIVE MODE`);
    await tx.unsafe(`LOCK TABLE ${tables.join(', ')} IN SHARE MODE`);
    await tx.unsafe(`INSERT INTO ${MARKER_TABLE} (id, kind) VALUES ($1, 'marker')`, [id]);
    const checksums = await tableChecksums(tx, tables);
    const [row] = await tx<{ xid: string }[]>`SELECT pg_current_xact_id()::text AS xid`;
    return { checksums, xid: row!.xid };
  });
  const [commit] = await sql<{ target: string; epoch: number }[]>`
    SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' AS target,
           extract(epoch FROM ts)::float8 AS epoch
      FROM (SELECT pg_xact_commit_timestamp(${xid}::xid8::xid) AS ts) c`;
  if (!commit?.target) {
    throw new Error('the source has no commit timestamps: track_commit_timestamp must be on');
  }
  // Recovery to a time stops at the first commit after it: this one, which must not survive.
  const afterId = crypto.randomUUID();
  await sql.unsafe(`INSERT INTO ${MARKER_TABLE} (id, kind) VALUES ($1, 'after')`, [afterId]);
  const [wal] = await sql<{ segment: string }[]>`
    SELECT pg_walfile_name(pg_current_wal_insert_lsn()) AS segment`;
  return {
    id,
    afterId,
    target: commit.target,
    committedAt: commit.epoch,
    segment: wal!.segment,
    checksums,
  };
}

/** Step 3: until the archiver reports the marker's segment stored; returns when (epoch s). */
async function waitForArchive(sql: postgres.Sql, segment: string, limitMs: number) {
  const deadline = Date.now() + limitMs;
  let last: Record<string, unknown> = {};
  while (Date.now() < deadline) {
    const [row] = await sql<
      {
        wal: string | null;
        at: number | null;
        failed_wal: string | null;
        failed_at: number | null;
      }[]
    >`SELECT last_archived_wal AS wal, extract(epoch FROM last_archived_time)::float8 AS at,
             last_failed_wal AS failed_wal, extract(epoch FROM last_failed_time)::float8 AS failed_at
        FROM pg_stat_archiver`;
    last = row ?? {};
    // Names sort by timeline and position; a .backup or .partial name starts with its
    // segment, a timeline's .history file does not count.
    const archived = /^[0-9A-F]{24}/.exec(row?.wal ?? '')?.[0];
    if (archived && row?.at && archived >= segment) return row.at;
    await Bun.sleep(250);
  }
  throw new Error(
    `WAL segment ${segment} was not archived within ${Math.round(limitMs / 1000)} s (archiver: ${JSON.stringify(last)})`,
  );
}

async function runAsPg(argv: string[], what: string) {
  const proc = Bun.spawn(asPgUser(argv), { stdout: 'pipe', stderr: 'pipe', cwd: '/' });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0)
    throw new Error(`${what} failed (${code}): ${`${err}${out}`.trim().slice(-1500)}`);
}

interface RestoredCluster {
  dir: string;
  port: number;
  url(user?: string): string;
  stop(): Promise<void>;
}

/** Step 4 (first half): restore into `dir`, start on a free port, wait for promotion. */
async function restoreAndStart(
  opts: DrillOptions,
  marker: Marker,
  database: string,
): Promise<RestoredCluster> {
  const dir = resolve(opts.workDir, 'pg');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true, mode: 0o755 });
  mkdirSync(dir, { mode: 0o700 });
  const ids = pgUserIds();
  if (ids) chownTree(dirname(dir), ids.uid, ids.gid);
  await backrestOrThrow(opts.repo, [
    'restore',
    `--pg1-path=${dir}`,
    '--type=time',
    `--target=${marker.target}`,
    '--target-action=promote',
    // The copy must never push its own timeline into the repository it came from.
    '--archive-mode=off',
    ...(opts.restoreRepo ? [`--repo=${opts.restoreRepo}`] : []),
  ]);
  const port = await freePort();
  // The copy listens on loopback and its own socket; a scratch copy trusts local connections
  // (production's pg_hba asks for passwords the drill does not hold).
  const overrides = [
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${dir}'`,
    'archive_mode = off',
  ];
  writeFileSync(join(dir, 'drill.conf'), `${overrides.join('\n')}\n`);
  writeFileSync(join(dir, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\n');
  // postgresql.auto.conf is read last; pgBackRest put the recovery settings there.
  const auto = join(dir, 'postgresql.auto.conf');
  writeFileSync(auto, `${await Bun.file(auto).text()}\ninclude_if_exists = 'drill.conf'\n`);
  if (ids) chownTree(dir, ids.uid, ids.gid);
  const bin = postgresBinDir();
  const logFile = join(dir, 'server.log');
  // -t: recovery replays every WAL segment since the backup, which may take a while.
  await runAsPg(
    [`${bin}/pg_ctl`, '-D', dir, '-l', logFile, '-o', `-p ${port}`, '-w', '-t', '900', 'start'],
    `starting the restored cluster (log: ${logFile})`,
  );
  const stop = async () => {
    if (!existsSync(join(dir, 'postmaster.pid'))) return;
    await runAsPg([`${bin}/pg_ctl`, '-D', dir, '-m', 'fast', '-w', 'stop'], 'pg_ctl stop').catch(
      () => {},
    );
  };
  const url = (user = 'weltgewebe_owner') => `postgres://${user}@127.0.0.1:${port}/${database}`;
  const sql = postgres(url(), { max: 1, onnotice: () => {} });
  try {
    const deadline = Date.now() + 900_000;
    for (;;) {
      const [row] = await sql<{ recovering: boolean }[]>`SELECT pg_is_in_recovery() AS recovering`;
      if (!row?.recovering) break;
      if (Date.now() > deadline)
        throw new Error(`the restored cluster is still recovering (log: ${logFile})`);
      await Bun.sleep(200);
    }
  } catch (error) {
    await sql.end();
    await stop();
    throw error;
  }
  await sql.end();
  return { dir, port, url, stop };
}

/** Step 4 (second half): the marker, not the write after it, and every table as it was. */
async function compare(restored: RestoredCluster, marker: Marker) {
  const sql = postgres(restored.url(), { max: 1, onnotice: () => {} });
  try {
    const kinds = await sql.unsafe<{ kind: string }[]>(
      `SELECT kind FROM ${MARKER_TABLE} WHERE id = ANY($1::uuid[]) ORDER BY kind`,
      [[marker.id, marker.afterId]],
    );
    const found = kinds.map((k) => k.kind).join(',');
    if (found !== 'marker') {
      throw new Error(
        `the restore stopped at the wrong point: expected the marker only, found [${found}]`,
      );
    }
    const tables = await userTables(sql);
    const restoredSums = await tableChecksums(sql, tables);
    return { differences: differences(marker.checksums, restoredSums), tables: tables.length };
  } finally {
    await sql.end();
  }
}

/** Step 5: the copy's relay and workers on a fresh NATS, until replay-cli --check agrees. */
async function drillConsumers(opts: DrillOptions, restored: RestoredCluster) {
  const nats = await startNats({ storeDir: join(opts.workDir, 'nats') });
  const logDir = join(opts.workDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const started: Array<{ stop(): Promise<void> }> = [nats];
  const env = {
    CORE_DATABASE_URL: restored.url('weltgewebe_core'),
    NATS_URL: nats.url,
    LOG_LEVEL: 'warn',
  };
  const cli = async (args: string[]) => {
    const proc = Bun.spawn([process.execPath, 'core/src/outbox/replay-cli.ts', ...args], {
      cwd: opts.repoRoot,
      env: { ...process.env, ...env },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const [out, err, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    const line = out.trim().split('\n').at(-1) ?? '';
    if (!line.startsWith('{'))
      throw new Error(`replay-cli ${args.join(' ')} failed: ${err.trim()}`);
    return { code, report: JSON.parse(line) as Record<string, unknown> };
  };
  try {
    const { report } = await cli([]);
    const replayed = Number(report.replayed);
    opts.log(`consumers: ${replayed} outbox rows marked for publishing again`);
    for (const [name, file, portVar] of [
      ['relay', 'core/src/relay-main.ts', 'RELAY_PORT'],
      ['workers', 'core/src/workers/main.ts', 'WORKERS_PORT'],
    ] as const) {
      const port = await freePort();
      const service = spawnService({
        name,
        argv: [process.execPath, file],
        env: { ...env, [portVar]: String(port) },
        cwd: opts.repoRoot,
        output: { kind: 'file', path: join(logDir, `${name}.log`) },
      });
      started.push(service);
      await waitForHttp(`http://127.0.0.1:${port}/health/ready`, 60_000);
    }
    const deadline = Date.now() + 120_000;
    for (;;) {
      const check = await cli(['--check']);
      if (check.code === 0) return { replayed, consistent: true };
      if (Date.now() > deadline) {
        throw new Error(`consumers not consistent after 120 s: ${JSON.stringify(check.report)}`);
      }
      await Bun.sleep(1_000);
    }
  } finally {
    for (const s of started.reverse()) await s.stop().catch(() => {});
  }
}

/** The last drill's outcome as kept in the result file (null when there is none). */
export function readDrillResult(file: string): DrillResult | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DrillResult;
  } catch {
    return null;
  }
}

function previousSuccess(file: string | undefined): string | null {
  return file ? (readDrillResult(file)?.lastSuccessAt ?? null) : null;
}

export async function runRestoreDrill(opts: DrillOptions): Promise<DrillResult> {
  const startedAt = new Date();
  const result: DrillResult = {
    ok: false,
    startedAt: startedAt.toISOString(),
    finishedAt: '',
    rpoSeconds: null,
    rtoSeconds: null,
    tables: 0,
    tablesMatched: 0,
    target: null,
    replayed: null,
    consumersConsistent: null,
    error: null,
    restoreRepo: opts.restoreRepo ?? null,
    lastSuccessAt: null,
  };
  const { log } = opts;
  const source = postgres(opts.sourceUrl, { max: 1, onnotice: () => {} });
  let restored: RestoredCluster | null = null;
  try {
    const [settings] = await source<{ mode: string; timeout: number; db: string }[]>`
      SELECT current_setting('archive_mode') AS mode, current_database() AS db,
             (SELECT setting::int FROM pg_settings WHERE name = 'archive_timeout') AS timeout`;
    if (settings!.mode !== 'on') {
      throw new Error('the source does not archive WAL (archive_mode is off): restart it');
    }
    const info = await stanzaInfo(opts.repo);
    const backup = opts.backup ?? 'if-none';
    if (backup !== 'if-none' || info.backups.length === 0) {
      const type = backup === 'if-none' ? 'full' : backup;
      log(`taking a ${type} backup …`);
      await takeBackup(opts.repo, type);
    }

    const marker = await writeMarker(source);
    result.target = marker.target;
    result.tables = marker.checksums.length;
    log(
      `marker ${marker.id} committed at ${marker.target} (${marker.checksums.length} tables); waiting for WAL ${marker.segment} to be archived (archive_timeout ${settings!.timeout} s) …`,
    );
    // archive_timeout 0 means "only when a segment is full": give it ten minutes.
    const timeoutS = settings!.timeout > 0 ? settings!.timeout : 600;
    const archivedAt = await waitForArchive(source, marker.segment, (timeoutS + 90) * 1000);
    result.rpoSeconds = Math.max(0, archivedAt - marker.committedAt);
    log(`marker safe in the repository after ${result.rpoSeconds.toFixed(1)} s; restoring …`);

    const t0 = performance.now();
    restored = await restoreAndStart(opts, marker, settings!.db);
    const restoredAt = performance.now();
    const compared = await compare(restored, marker);
    if (compared.differences.length > 0) {
      result.tablesMatched = result.tables - compared.differences.length;
      throw new Error(`tables differ after the restore:\n  ${compared.differences.join('\n  ')}`);
    }
    result.tablesMatched = compared.tables;
    result.rtoSeconds = (performance.now() - t0) / 1000;
    log(
      `restored and promoted in ${((restoredAt - t0) / 1000).toFixed(1)} s, ${compared.tables} tables compared in ${((performance.now() - restoredAt) / 1000).toFixed(1)} s`,
    );

    if (opts.consumers ?? true) {
      const c0 = performance.now();
      const consumers = await drillConsumers(opts, restored);
      result.replayed = consumers.replayed;
      result.consumersConsistent = consumers.consistent;
      log(
        `consumers consistent with the restored database after ${((performance.now() - c0) / 1000).toFixed(1)} s (${consumers.replayed} events replayed from the outbox)`,
      );
    }
    result.ok = true;
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
  } finally {
    await source.end().catch(() => {});
    if (restored) {
      await restored.stop();
      rmSync(restored.dir, { recursive: true, force: true });
    }
    result.finishedAt = new Date().toISOString();
    result.lastSuccessAt = result.ok ? result.finishedAt : previousSuccess(opts.resultFile);
    if (opts.resultFile) {
      mkdirSync(dirname(opts.resultFile), { recursive: true });
      writeFileSync(opts.resultFile, `${JSON.stringify(result, null, 2)}\n`);
    }
  }
  return result;
}
