// The small generated world: the promised counts, spread over the chosen countries, the same
// rows on every run, rollups that add up, and no second load on top of the first.
import { afterAll, expect, test } from 'bun:test';
import postgres from 'postgres';
import { freshDatabase, type TestDatabase } from '../../../infra/src/testing/index.ts';
import { GERMANY_AND_NEIGHBOURS, loadGazetteer } from '../gazetteer/load.ts';
import { generateWorld, seedUuid, WORLD_SIZES } from './world-generator.ts';

let db: TestDatabase | null = null;
afterAll(async () => {
  await db?.drop();
});

test('small world: counts, places, determinism and rollups', async () => {
  db = await freshDatabase();
  await loadGazetteer(db.ownerUrl, { countries: GERMANY_AND_NEIGHBOURS });
  const summary = await generateWorld(db.ownerUrl, { size: 'small', countries: ['DE'] });
  expect(summary).toMatchObject(WORLD_SIZES.small);

  const sql = postgres(db.ownerUrl, { max: 1 });
  try {
    const [c] = await sql`SELECT
        (SELECT count(*)::int FROM nodes) AS nodes,
        (SELECT count(*)::int FROM conversations) AS conversations,
        (SELECT count(*)::int FROM accounts) AS accounts,
        (SELECT count(*)::int FROM threads WHERE expired_at IS NULL AND expires_at > now()) AS live_threads,
        (SELECT count(*)::int FROM nodes
          WHERE NOT location && ST_MakeEnvelope(5.5, 47, 15.5, 55.2, 4326)) AS outside_germany,
        (SELECT max(n)::int FROM (SELECT count(*) AS n FROM nodes GROUP BY created_by) x) AS most_per_account`;
    expect(c).toEqual({
      nodes: 10_000,
      conversations: 10_000,
      accounts: 2_000,
      live_threads: 5_000,
      outside_germany: 0,
      most_per_account: expect.any(Number),
    });
    expect(c!.most_per_account).toBeLessThanOrEqual(1_000);

    // The same seed gives the same world: the first node is always the same one.
    const [first] = await sql`SELECT id, title FROM nodes ORDER BY seq LIMIT 1`;
    expect(first!.id).toBe(seedUuid(2, 0));

    // Every resolution counts every live node and thread once, and the on-map accounts.
    const perResolution = await sql`SELECT resolution, sum(nodes)::int AS nodes,
        sum(threads)::int AS threads, sum(accounts)::int AS accounts,
        bool_and(ST_IsValid(boundary)) AS valid
      FROM h3_rollups GROUP BY resolution ORDER BY resolution`;
    const [{ on_map }] = (await sql`SELECT count(*)::int AS on_map FROM accounts
      WHERE map_state <> 'not_on_map'`) as unknown as [{ on_map: number }];
    expect([...perResolution]).toEqual(
      [3, 5, 7, 9].map((resolution) => ({
        resolution,
        nodes: 10_000,
        threads: 5_000,
        accounts: on_map,
        valid: true,
      })),
    );
    // Private locations stay in their own table; only public points are on accounts.
    const [{ located }] =
      (await sql`SELECT count(*)::int AS located FROM account_locations`) as unknown as [
        { located: number },
      ];
    expect(located).toBe(on_map);
  } finally {
    await sql.end();
  }
  await expect(generateWorld(db.ownerUrl, { size: 'small' })).rejects.toThrow(/already loaded/);
}, 180_000);

test('generated ids are unique per kind and index', () => {
  const ids = new Set<string>();
  for (let tag = 1; tag <= 4; tag++) for (let i = 0; i < 2_000; i++) ids.add(seedUuid(tag, i));
  expect(ids.size).toBe(8_000);
  expect(seedUuid(2, 7)).toMatch(
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  );
});
