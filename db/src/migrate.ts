// The one migration runner: local stack, tests and production all call migrate().
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';

export const MIGRATIONS_DIR = join(import.meta.dir, '..', 'migrations');

export interface MigrateOptions {
  /** Passwords to set on the service roles (production); local clusters use trust auth. */
  corePassword?: string;
  edgePassword?: string;
  log?: (line: string) => void;
  /** Stop after this migration (tests of a data migration: old schema, old rows, then the rest). */
  upTo?: string;
}

interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

/**
 * The naming rule: `NNNN_what_it_does.sql`, each new migration numbered one above the highest,
 * never reused. Applied files are never renamed (their names are recorded in
 * schema_migrations), so the two files numbered 0008 from before this rule stay as they are,
 * and 0005 stays unused.
 */
const HISTORICAL_REPEATS = new Set(['0008_search_keys.sql', '0008_serve_custom_plans.sql']);

export function checkMigrationNames(names: string[]): void {
  const seen = new Map<string, string>();
  for (const name of names) {
    const number = name.slice(0, 4);
    const other = seen.get(number);
    if (other && !(HISTORICAL_REPEATS.has(name) && HISTORICAL_REPEATS.has(other))) {
      throw new Error(
        `migrations ${other} and ${name} share the number ${number}; number a new migration one above the highest`,
      );
    }
    seen.set(number, name);
  }
}

export function migrationFiles(dir = MIGRATIONS_DIR): MigrationFile[] {
  const names = readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort();
  checkMigrationNames(names);
  return names.map((name) => {
    const sql = readFileSync(join(dir, name), 'utf8');
    return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
  });
}

/** Applies pending migrations in order, each in its own transaction, under an advisory lock. */
export async function migrate(url: string, options: MigrateOptions = {}): Promise<string[]> {
  const log = options.log ?? (() => {});
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const applied: string[] = [];
  try {
    await sql`SELECT pg_advisory_lock(hashtext('weltgewebe.migrate'))`;
    await sql`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`;
    const done = new Map(
      (
        await sql<
          { name: string; checksum: string }[]
        >`SELECT name, checksum FROM schema_migrations`
      ).map((r) => [r.name, r.checksum]),
    );
    for (const file of migrationFiles()) {
      if (options.upTo !== undefined && file.name > options.upTo) break;
      const previous = done.get(file.name);
      if (previous) {
        if (previous !== file.checksum) {
          throw new Error(
            `migration ${file.name} was changed after it was applied; add a new migration instead`,
          );
        }
        continue;
      }
      await sql.begin(async (tx) => {
        await tx.unsafe(file.sql);
        await tx`INSERT INTO schema_migrations (name, checksum) VALUES (${file.name}, ${file.checksum})`;
      });
      applied.push(file.name);
      log(`migrated ${file.name}`);
    }
    if (options.corePassword) {
      await sql.unsafe(`ALTER ROLE weltgewebe_core PASSWORD ${quoteLiteral(options.corePassword)}`);
    }
    if (options.edgePassword) {
      await sql.unsafe(`ALTER ROLE weltgewebe_edge PASSWORD ${quoteLiteral(options.edgePassword)}`);
    }
    await sql`SELECT pg_advisory_unlock(hashtext('weltgewebe.migrate'))`;
  } finally {
    await sql.end({ timeout: 5 });
  }
  return applied;
}

function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
