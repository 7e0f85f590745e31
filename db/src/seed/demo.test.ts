// The demo world loads once, lands where people live, and respects every constraint.
import { afterAll, expect, test } from 'bun:test';
import postgres from 'postgres';
import { freshDatabase, type TestDatabase } from '../../../infra/src/testing/index.ts';
import { seedDemo } from './demo.ts';

let db: TestDatabase | null = null;
afterAll(async () => {
  await db?.drop();
});

test('demo world: hundreds of nodes around German cities, weaveries for Hamburg and Berlin, loaded once', async () => {
  db = await freshDatabase();
  expect(await seedDemo(db.ownerUrl)).toBe(true);
  expect(await seedDemo(db.ownerUrl)).toBe(false);
  const sql = postgres(db.edgeUrl, { max: 1 });
  try {
    const [{ n }] = (await sql`SELECT count(*)::int AS n FROM nodes`) as unknown as [{ n: number }];
    expect(n).toBe(400);
    const inGermany = await sql`SELECT count(*)::int AS n FROM nodes
      WHERE location && ST_MakeEnvelope(5.8, 47.2, 15.1, 55.1, 4326)`;
    expect(inGermany[0]!.n).toBe(400);
    const weaveries =
      await sql`SELECT slug, (SELECT count(*)::int FROM weavery_cells c WHERE c.weavery_id = w.id) AS cells
      FROM weaveries w ORDER BY slug`;
    expect(weaveries.map((w) => w.slug)).toEqual(['berlin', 'hamburg']);
    for (const w of weaveries) expect(w.cells).toBeGreaterThan(50);
    const inHamburg =
      await sql`SELECT count(*)::int AS n FROM nodes n JOIN weaveries w ON w.slug = 'hamburg'
      AND ST_Contains(w.area, n.location)`;
    expect(inHamburg[0]!.n).toBeGreaterThan(20);
  } finally {
    await sql.end();
  }
});
