// The edge's database role: read-only, time-limited, and planned per call (see 0008_serve_custom_plans.sql).
import { afterAll, expect, test } from 'bun:test';
import postgres from 'postgres';
import { freshDatabase, type TestDatabase } from '../../infra/src/testing/index.ts';

let db: TestDatabase | null = null;
afterAll(async () => {
  await db?.drop();
});

test('the edge role plans each statement for its own parameters and cannot write', async () => {
  db = await freshDatabase();
  const sql = postgres(db.edgeUrl, { max: 1 });
  try {
    const [{ plan_cache_mode }] = (await sql`SHOW plan_cache_mode`) as unknown as [
      { plan_cache_mode: string },
    ];
    expect(plan_cache_mode).toBe('force_custom_plan');
    await expect(sql`DELETE FROM places`).rejects.toThrow();
  } finally {
    await sql.end();
  }
});
