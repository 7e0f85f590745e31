// Configuration of the backup service (backup-service.ts), parsed once at start.
import { z } from 'zod';

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const hour = z.coerce.number().int().min(0).max(23);
const list = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

const schema = z.object({
  BACKUP_PORT: z.coerce.number().int().min(0).max(65535).default(3006),
  /** pgBackRest configuration (production: infra/backup/pgbackrest.conf mounted in /etc). */
  PGBACKREST_CONFIG: z.string().min(1),
  BACKUP_STANZA: z.string().default('weltgewebe'),
  /** Owner (superuser) URL: pg_stat_archiver, and the drill's marker. */
  DATABASE_URL: z.string().url(),
  /** The cluster's data directory as this process sees it: WAL waiting to be archived. */
  PGDATA: z.string().optional(),
  /** Nightly backup at this hour (UTC) and of this type; a missed night is caught up. */
  BACKUP_HOUR: hour.default(2),
  BACKUP_TYPE: z.enum(['full', 'diff', 'incr']).default('full'),
  /** Repositories that each get the nightly backup (WAL goes to all of them by itself). */
  BACKUP_REPOS: z
    .string()
    .default('1')
    .transform((v) => v.split(',').map((s) => Number(s.trim())))
    .pipe(z.array(z.number().int().min(1).max(4)).min(1)),
  /** Weekly restore drill: on this weekday (0 = Sunday) at this hour (UTC). */
  DRILL_ENABLED: bool.default(false),
  DRILL_WEEKDAY: z.coerce.number().int().min(0).max(6).default(0),
  DRILL_HOUR: hour.default(4),
  /** Restore from this repository (production: 2, the off-host copy); unset: pgBackRest picks. */
  DRILL_REPO: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number().int().min(1).max(4).optional(),
  ),
  /** Scratch space of the drill (the restored copy); needs room for one more database. */
  DRILL_DIR: z.string().default('/tmp/weltgewebe-drill'),
  /** Where the last drill's outcome is kept across restarts. */
  BACKUP_STATE_DIR: z.string().min(1),
  /** Filesystems whose fill level is exported (comma-separated paths). */
  DISK_PATHS: list,
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type BackupEnv = z.infer<typeof schema>;

export function loadBackupEnv(source: Record<string, string | undefined> = process.env): BackupEnv {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`backup: invalid environment:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
