// pgBackRest for the project-local cluster: its configuration, repository, lock and log
// directories live under one directory in .data (never /etc or /var/lib), every command runs
// with --config pointing there, as the `postgres` user when we are root (as the server does).
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { asPgUser, pgUserIds } from '../services/postgres.ts';

export const STANZA = 'weltgewebe';
/** Seconds a written WAL segment may wait before it is archived: the RPO promise. */
export const ARCHIVE_TIMEOUT_SECONDS = 60;
/** Full backups kept in the local repository (WAL is kept as far back as the oldest). */
export const LOCAL_RETENTION_FULL = 2;

export interface BackrestRepo {
  /** Holds pgbackrest.conf, the repository (repo/), lock/, log/ and spool/. */
  dir: string;
  configPath: string;
  stanza: string;
  /** The cluster it backs up. */
  pgDataDir: string;
  pgPort: number;
}

/** Superuser the backups connect as (the cluster's owner role, trusted on the socket). */
const PG_USER = 'weltgewebe_owner';

function ownedByPostgres(path: string, mode: number) {
  const ids = pgUserIds();
  if (ids) chownSync(path, ids.uid, ids.gid);
  chmodSync(path, mode);
}

/**
 * Writes the configuration for a cluster (again on every start: its port may change).
 * The repository is encrypted (aes-256-cbc) with a passphrase made once and kept beside it,
 * readable by the postgres user only, so the drill proves the decryption path as well.
 */
export function localBackrest(dir: string, pg: { dataDir: string; port: number }): BackrestRepo {
  const root = resolve(dir);
  const configPath = join(root, 'pgbackrest.conf');
  // archive_command is one line of the server's configuration: keep the path plain.
  if (/[\s'"%\\]/.test(configPath)) {
    throw new Error(`the backup directory must not contain spaces or quotes: ${configPath}`);
  }
  mkdirSync(dirname(root), { recursive: true, mode: 0o755 });
  if (pgUserIds()) chmodSync(dirname(root), 0o755);
  mkdirSync(root, { recursive: true });
  ownedByPostgres(root, 0o750);
  for (const sub of ['repo', 'lock', 'log', 'spool']) {
    const path = join(root, sub);
    mkdirSync(path, { recursive: true });
    ownedByPostgres(path, 0o750);
  }
  const passFile = join(root, 'cipher-pass');
  if (!existsSync(passFile)) writeFileSync(passFile, randomBytes(32).toString('hex'));
  ownedByPostgres(passFile, 0o600);
  const pass = readFileSync(passFile, 'utf8').trim();
  const config = [
    '# Written by infra/src/backup/pgbackrest.ts for the local cluster; production uses',
    '# infra/backup/pgbackrest.conf. Rewritten on every start.',
    '[global]',
    `repo1-path=${join(root, 'repo')}`,
    `repo1-retention-full=${LOCAL_RETENTION_FULL}`,
    'repo1-cipher-type=aes-256-cbc',
    `repo1-cipher-pass=${pass}`,
    'compress-type=zst',
    `lock-path=${join(root, 'lock')}`,
    `log-path=${join(root, 'log')}`,
    `spool-path=${join(root, 'spool')}`,
    'log-level-console=warn',
    'log-level-file=info',
    'start-fast=y',
    '',
    `[${STANZA}]`,
    `pg1-path=${resolve(pg.dataDir)}`,
    `pg1-port=${pg.port}`,
    `pg1-socket-path=${resolve(pg.dataDir)}`,
    `pg1-user=${PG_USER}`,
    '',
  ];
  writeFileSync(configPath, config.join('\n'));
  ownedByPostgres(configPath, 0o600);
  return { dir: root, configPath, stanza: STANZA, pgDataDir: resolve(pg.dataDir), pgPort: pg.port };
}

/** The server's archive_command: push each finished segment into the repository. */
export function archiveCommand(repo: Pick<BackrestRepo, 'configPath' | 'stanza'>): string {
  return `pgbackrest --config=${repo.configPath} --stanza=${repo.stanza} archive-push %p`;
}

export function archiveSettings(repo: BackrestRepo) {
  return { command: archiveCommand(repo), timeoutSeconds: ARCHIVE_TIMEOUT_SECONDS };
}

export interface BackrestResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs one pgbackrest command for the stanza (async: `up` keeps pumping service output). */
export async function backrest(
  repo: Pick<BackrestRepo, 'configPath' | 'stanza'>,
  args: string[],
): Promise<BackrestResult> {
  const argv = asPgUser([
    'pgbackrest',
    `--config=${repo.configPath}`,
    `--stanza=${repo.stanza}`,
    ...args,
  ]);
  const proc = Bun.spawn(argv, { stdout: 'pipe', stderr: 'pipe', cwd: '/' });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { exitCode, stdout, stderr };
}

/** Like backrest(), but a failure throws with pgBackRest's own message. */
export async function backrestOrThrow(
  repo: Pick<BackrestRepo, 'configPath' | 'stanza'>,
  args: string[],
): Promise<string> {
  const result = await backrest(repo, args);
  if (result.exitCode !== 0) {
    const message = `${result.stderr}${result.stdout}`.trim().split('\n').slice(-6).join('\n');
    throw new Error(`pgbackrest ${args[0]} failed (${result.exitCode}): ${message}`);
  }
  return result.stdout;
}

/**
 * Creates the stanza (idempotent). A repository left from a cluster that was since deleted
 * and made anew (another system identifier) is moved aside, not overwritten.
 */
export async function ensureStanza(repo: BackrestRepo, log: (line: string) => void) {
  const first = await backrest(repo, ['stanza-create']);
  if (first.exitCode === 0) return;
  const text = `${first.stderr}${first.stdout}`;
  if (!/do not match the database|system-id/i.test(text)) {
    throw new Error(`pgbackrest stanza-create failed (${first.exitCode}): ${text.trim()}`);
  }
  const aside = join(repo.dir, `repo-of-an-older-cluster-${Date.now()}`);
  log(`backup repository belongs to an older cluster; moved aside to ${aside}`);
  renameSync(join(repo.dir, 'repo'), aside);
  mkdirSync(join(repo.dir, 'repo'));
  ownedByPostgres(join(repo.dir, 'repo'), 0o750);
  await backrestOrThrow(repo, ['stanza-create']);
}

export interface BackupSet {
  label: string;
  type: 'full' | 'diff' | 'incr';
  /** Unix seconds. */
  start: number;
  stop: number;
  repo: number;
}

export interface StanzaInfo {
  status: { code: number; message: string };
  backups: BackupSet[];
  /** Oldest and newest WAL segment in the archive (null when empty). */
  archive: { min: string | null; max: string | null };
}

/** `pgbackrest info --output=json` for the stanza, reduced to what the drill and metrics use. */
export async function stanzaInfo(
  repo: Pick<BackrestRepo, 'configPath' | 'stanza'>,
): Promise<StanzaInfo> {
  const out = await backrestOrThrow(repo, ['info', '--output=json']);
  const [stanza] = JSON.parse(out) as {
    status: { code: number; message: string };
    backup?: {
      label: string;
      type: BackupSet['type'];
      timestamp: { start: number; stop: number };
      database?: { 'repo-key'?: number };
    }[];
    archive?: { min: string | null; max: string | null }[];
  }[];
  if (!stanza) throw new Error('pgbackrest info returned no stanza');
  return {
    status: stanza.status,
    backups: (stanza.backup ?? []).map((b) => ({
      label: b.label,
      type: b.type,
      start: b.timestamp.start,
      stop: b.timestamp.stop,
      repo: b.database?.['repo-key'] ?? 1,
    })),
    archive: {
      min: stanza.archive?.[0]?.min ?? null,
      max: stanza.archive?.at(-1)?.max ?? null,
    },
  };
}

/** Takes a backup (full, or diff/incr on top of the newest full) and expires old ones. */
export async function takeBackup(
  repo: Pick<BackrestRepo, 'configPath' | 'stanza'>,
  type: 'full' | 'diff' | 'incr',
): Promise<void> {
  await backrestOrThrow(repo, ['backup', `--type=${type}`]);
}
