// The Drizzle mirror and the migrations describe the same tables and columns.
import { expect, test } from 'bun:test';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import { freshDatabase } from '../../../infra/src/testing/index.ts';
import * as schema from './index.ts';

test('every migrated table and column has its Drizzle mirror, and nothing more', async () => {
  const db = await freshDatabase();
  const sql = postgres(db.ownerUrl, { max: 1 });
  try {
    const rows = await sql<{ table_name: string; column_name: string }[]>`
      SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name NOT IN ('schema_migrations', 'spatial_ref_sys')
        AND table_name NOT IN (SELECT viewname FROM pg_views WHERE schemaname = 'public')
        AND table_name NOT IN (SELECT matviewname FROM pg_matviews WHERE schemaname = 'public')`;
    const inDb = new Map<string, Set<string>>();
    for (const r of rows) {
      const set = inDb.get(r.table_name) ?? new Set<string>();
      set.add(r.column_name);
      inDb.set(r.table_name, set);
    }
    const inDrizzle = new Map<string, Set<string>>();
    for (const value of Object.values(schema)) {
      if (!value || typeof value !== 'object' || !(Symbol.for('drizzle:IsDrizzleTable') in value))
        continue;
      const config = getTableConfig(value as PgTable);
      inDrizzle.set(config.name, new Set(config.columns.map((c) => c.name)));
    }
    const describe = (m: Map<string, Set<string>>) =>
      Object.fromEntries([...m.entries()].sort().map(([t, cols]) => [t, [...cols].sort()]));
    expect(describe(inDrizzle)).toEqual(describe(inDb));
  } finally {
    await sql.end();
    await db.drop();
  }
});
