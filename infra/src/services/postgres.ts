// Starts and stops a project-local PostgreSQL cluster with PostGIS using the system binaries.
import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { freePort } from './free-port.ts';
import { postgresBinDir } from './system-packages.ts';

export interface PostgresHandle {
  port: number;
  dataDir: string;
  /** Superuser URL for the given database (default `weltgewebe`). */
  url(database?: string, user?: string): string;
  stop(): Promise<void>;
}

export interface PostgresOptions {
  dataDir: string;
  port?: number;
  /** Trade durability for speed (temporary test clusters). */
  ephemeral?: boolean;
  database?: string;
  log?: (line: string) => void;
  /**
   * Continuous WAL archiving (backups): the archive command and the longest a written
   * segment may wait before it is archived. Applied on every start; absent means off.
   */
  archive?: { command: string; timeoutSeconds: number };
}

/** Settings file in the data directory for archiving, rewritten on every start. */
const ARCHIVE_CONF = 'archive.conf';

// The cluster superuser is the schema owner that migrations run as.
const SUPERUSER = 'weltgewebe_owner';
const OS_USER = 'postgres';

/** As root, PostgreSQL refuses to run; use the `postgres` system user the package created. */
export function asPgUser(argv: string[]): string[] {
  if (process.getuid?.() !== 0) return argv;
  return ['runuser', '-u', OS_USER, '--', ...argv];
}

export function chownTree(path: string, uid: number, gid: number) {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path)) chownTree(join(path, entry), uid, gid);
  }
}

export function pgUserIds(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const out = Bun.spawnSync(['id', '-u', OS_USER]).stdout.toString().trim();
  const gid = Bun.spawnSync(['id', '-g', OS_USER]).stdout.toString().trim();
  if (!out) throw new Error('running as root but the `postgres` system user does not exist');
  return { uid: Number(out), gid: Number(gid) };
}

function run(argv: string[], what: string) {
  const result = Bun.spawnSync(asPgUser(argv), { stdout: 'pipe', stderr: 'pipe' });
  if (result.exitCode !== 0) {
    throw new Error(
      `${what} failed (${result.exitCode}):\n${result.stderr.toString()}${result.stdout.toString()}`,
    );
  }
  return result.stdout.toString();
}

export async function startPostgres(options: PostgresOptions): Promise<PostgresHandle> {
  const bin = postgresBinDir();
  const dataDir = resolve(options.dataDir);
  const port = options.port ?? (await freePort());
  const database = options.database ?? 'weltgewebe';
  const ids = pgUserIds();
  const log = options.log ?? (() => {});

  // Parents stay traversable for the postgres user; the cluster dir itself is private.
  mkdirSync(dirname(dataDir), { recursive: true, mode: 0o755 });
  if (ids) for (const dir of [dirname(dataDir), dirname(dirname(dataDir))]) chmodSync(dir, 0o755);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (ids) chownSync(dataDir, ids.uid, ids.gid);
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  if (fresh) {
    log(`initdb ${dataDir}`);
    run(
      [
        `${bin}/initdb`,
        '-D',
        dataDir,
        '-U',
        SUPERUSER,
        '--auth=trust',
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
      ],
      'initdb',
    );
    const settings = [
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dataDir}'`,
      'max_connections = 200',
      'shared_buffers = 256MB',
      "log_destination = 'stderr'",
      'logging_collector = off',
      ...(options.ephemeral
        ? ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off']
        : []),
    ];
    writeFileSync(join(dataDir, 'postgresql.auto.conf'), `${settings.join('\n')}\n`);
    if (ids) chownTree(dataDir, ids.uid, ids.gid);
  }
  writeArchiveSettings(dataDir, options.archive, ids);
  const logFile = join(dataDir, 'server.log');
  run(
    [`${bin}/pg_ctl`, '-D', dataDir, '-l', logFile, '-o', `-p ${port}`, '-w', '-t', '60', 'start'],
    `pg_ctl start (log: ${logFile})`,
  );
  const url = (db = database, user = SUPERUSER) => `postgres://${user}@127.0.0.1:${port}/${db}`;
  if (fresh) {
    run(
      [`${bin}/createdb`, '-h', '127.0.0.1', '-p', String(port), '-U', SUPERUSER, database],
      'createdb',
    );
  }
  let stopped = false;
  return {
    port,
    dataDir,
    url,
    async stop() {
      if (stopped) return;
      stopped = true;
      stopPostgresSync(dataDir);
    },
  };
}

/**
 * archive_mode needs a restart, so it is set before each start, also for a cluster made before
 * archiving existed: postgresql.conf includes archive.conf, which says on or off.
 * track_commit_timestamp lets a restore drill name the exact commit time of its marker.
 */
function writeArchiveSettings(
  dataDir: string,
  archive: PostgresOptions['archive'],
  ids: { uid: number; gid: number } | null,
) {
  const conf = join(dataDir, 'postgresql.conf');
  const include = `include_if_exists = '${ARCHIVE_CONF}'`;
  if (!readFileSync(conf, 'utf8').includes(include)) appendFileSync(conf, `\n${include}\n`);
  const lines = archive
    ? [
        'archive_mode = on',
        `archive_command = '${archive.command.replaceAll("'", "''")}'`,
        `archive_timeout = ${archive.timeoutSeconds}`,
        'track_commit_timestamp = on',
      ]
    : ['archive_mode = off'];
  const file = join(dataDir, ARCHIVE_CONF);
  writeFileSync(
    file,
    `# written by infra/src/services/postgres.ts on every start\n${lines.join('\n')}\n`,
  );
  if (ids) chownSync(file, ids.uid, ids.gid);
}

/** Synchronous so it can run from an exit handler. */
export function stopPostgresSync(dataDir: string) {
  const bin = postgresBinDir();
  if (!existsSync(join(dataDir, 'postmaster.pid'))) return;
  Bun.spawnSync(asPgUser([`${bin}/pg_ctl`, '-D', dataDir, '-m', 'fast', '-w', 'stop']), {
    stdout: 'ignore',
    stderr: 'ignore',
  });
}
