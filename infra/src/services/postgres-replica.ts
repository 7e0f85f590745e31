// A streaming hot-standby replica of a project-local PostgreSQL primary (the HA topology of the
// local stack): cloned once with pg_basebackup through a replication slot by a role that may only
// replicate, then started as its own postmaster on its own port. It can be killed (SIGKILL to
// the postmaster, like a crash) and started again; it catches up through its slot.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import postgres from 'postgres';
import { freePort } from './free-port.ts';
import { asPgUser, chownTree, type PostgresHandle, pgUserIds } from './postgres.ts';
import { postgresBinDir } from './system-packages.ts';

/** Logs in for replication only: no table rights, no superuser. */
export const REPLICATION_ROLE = 'weltgewebe_replicator';

export interface ReplicaHandle {
  port: number;
  dataDir: string;
  url(database?: string, user?: string): string;
  /** Process id of the replica's postmaster, null while it is down. */
  pid(): number | null;
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface ReplicaOptions {
  primary: PostgresHandle;
  dataDir: string;
  port?: number;
  /** Replication slot on the primary (kept while the replica is away, so it can catch up). */
  slot?: string;
  database?: string;
  log?: (line: string) => void;
}

// Lines of postgresql.auto.conf this module owns; rewritten on every start.
const MANAGED = [
  'primary_conninfo',
  'primary_slot_name',
  'unix_socket_directories',
  'hot_standby',
  'hot_standby_feedback',
];

function runAsPg(argv: string[], what: string) {
  const result = Bun.spawnSync(asPgUser(argv), { stdout: 'pipe', stderr: 'pipe' });
  if (result.exitCode !== 0) {
    throw new Error(
      `${what} failed (${result.exitCode}):\n${result.stderr.toString()}${result.stdout.toString()}`,
    );
  }
}

/** The replication role and a slot nobody uses any more (a replica directory that was deleted). */
async function prepareSlot(primary: PostgresHandle, slot: string) {
  const sql = postgres(primary.url('postgres'), { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${REPLICATION_ROLE}') THEN
        CREATE ROLE ${REPLICATION_ROLE} WITH LOGIN REPLICATION;
      END IF; END $$`);
    await sql`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
      WHERE slot_name = ${slot} AND NOT active`;
  } finally {
    await sql.end();
  }
}

function writeStandbyConfig(dataDir: string, primary: PostgresHandle, slot: string) {
  const file = join(dataDir, 'postgresql.auto.conf');
  const kept = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => !MANAGED.some((key) => line.trim().startsWith(key)))
    : [];
  const conninfo = `host=127.0.0.1 port=${primary.port} user=${REPLICATION_ROLE} application_name=${slot}`;
  const lines = [
    ...kept.filter((l) => l.trim() !== ''),
    `primary_conninfo = '${conninfo}'`,
    `primary_slot_name = '${slot}'`,
    `unix_socket_directories = '${dataDir}'`,
    'hot_standby = on',
    // Edge reads on the replica must not be cancelled by the primary's cleanup, nor hold it up
    // for long: the primary keeps the rows a running replica query still needs.
    'hot_standby_feedback = on',
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
}

function postmasterPid(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0) return null;
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

export async function startReplica(options: ReplicaOptions): Promise<ReplicaHandle> {
  const bin = postgresBinDir();
  const dataDir = resolve(options.dataDir);
  const port = options.port ?? (await freePort());
  const slot = options.slot ?? 'weltgewebe_replica';
  const database = options.database ?? 'weltgewebe';
  const ids = pgUserIds();
  const log = options.log ?? (() => {});
  const { primary } = options;

  mkdirSync(dirname(dataDir), { recursive: true, mode: 0o755 });
  if (ids) chmodSync(dirname(dataDir), 0o755);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    await prepareSlot(primary, slot);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (ids) chownTree(dataDir, ids.uid, ids.gid);
    log(`pg_basebackup → ${dataDir}`);
    runAsPg(
      [
        `${bin}/pg_basebackup`,
        '-h',
        '127.0.0.1',
        '-p',
        String(primary.port),
        '-U',
        REPLICATION_ROLE,
        '-D',
        dataDir,
        '-R',
        '-X',
        'stream',
        '-C',
        '-S',
        slot,
        '-c',
        'fast',
      ],
      'pg_basebackup',
    );
  }
  writeStandbyConfig(dataDir, primary, slot);
  if (ids) chownTree(join(dataDir, 'postgresql.auto.conf'), ids.uid, ids.gid);

  const logFile = join(dataDir, 'server.log');
  const start = async () => {
    // After a SIGKILL the old postmaster's children may hold its shared memory for a moment.
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        runAsPg(
          [
            `${bin}/pg_ctl`,
            '-D',
            dataDir,
            '-l',
            logFile,
            '-o',
            `-p ${port}`,
            '-w',
            '-t',
            '60',
            'start',
          ],
          `pg_ctl start replica (log: ${logFile})`,
        );
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await Bun.sleep(500);
      }
    }
  };
  await start();
  const url = (db = database, user = 'weltgewebe_owner') =>
    `postgres://${user}@127.0.0.1:${port}/${db}`;
  let stopped = false;
  return {
    port,
    dataDir,
    url,
    pid: () => postmasterPid(dataDir),
    async kill() {
      const pid = postmasterPid(dataDir);
      if (pid === null) return;
      process.kill(pid, 'SIGKILL');
      const deadline = Date.now() + 10_000;
      while (postmasterPid(dataDir) === pid && Date.now() < deadline) await Bun.sleep(50);
    },
    async restart() {
      if (postmasterPid(dataDir) === null) await start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (postmasterPid(dataDir) === null) return;
      Bun.spawnSync(asPgUser([`${bin}/pg_ctl`, '-D', dataDir, '-m', 'fast', '-w', 'stop']), {
        stdout: 'ignore',
        stderr: 'ignore',
      });
    },
  };
}
