// The gazetteer loader fills `places` from the real data set, once, and replaces the demo
// seed's hand-written cities instead of doubling them.
import { afterAll, expect, test } from 'bun:test';
import postgres from 'postgres';
import { freshDatabase, type TestDatabase } from '../../../infra/src/testing/index.ts';
import { seedDemo } from '../seed/demo.ts';
import { GERMANY_AND_NEIGHBOURS, loadGazetteer } from './load.ts';

let db: TestDatabase | null = null;
afterAll(async () => {
  await db?.drop();
});

test('loads Germany and its neighbours once, replacing the demo cities', async () => {
  db = await freshDatabase();
  await seedDemo(db.ownerUrl, { nodes: 10 });
  const first = await loadGazetteer(db.ownerUrl, { countries: GERMANY_AND_NEIGHBOURS });
  expect(first.loaded).toBe(true);
  expect(first.places).toBeGreaterThan(20_000);
  const again = await loadGazetteer(db.ownerUrl, { countries: GERMANY_AND_NEIGHBOURS });
  expect(again.loaded).toBe(false);

  const sql = postgres(db.edgeUrl, { max: 1 });
  try {
    const hamburg = await sql`SELECT name, country, population, geonames_id
      FROM places WHERE name = 'Hamburg' AND country = 'DE'`;
    expect(hamburg.length).toBe(1);
    expect(hamburg[0]!.population).toBeGreaterThan(1_000_000);
    const [{ n }] = (await sql`SELECT count(*)::int AS n FROM places
      WHERE geonames_id IS NULL`) as unknown as [{ n: number }];
    expect(n).toBe(0);
    const [munich] =
      await sql`SELECT name, alt_name, name_key FROM places WHERE geonames_id = 2867714`;
    expect(munich).toEqual({ name: 'München', alt_name: 'Munich', name_key: 'munchen' });
    const countries = await sql`SELECT DISTINCT country FROM places ORDER BY country`;
    expect(countries.map((c) => c.country)).toEqual([...GERMANY_AND_NEIGHBOURS].sort());
  } finally {
    await sql.end();
  }
}, 120_000);
