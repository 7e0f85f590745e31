// The edge's database role: read-only, time-limited, planned per call (see
// 0008_serve_custom_plans.sql), and blind to the statistics of private tables (0011): PostGIS
// helpers that read planner statistics or index pages answer for any table whatever the
// caller's privileges, so they would hand the edge the box of all private locations.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import postgres from 'postgres';
import { freshDatabase, type TestDatabase } from '../../infra/src/testing/index.ts';

let db: TestDatabase;
let owner: postgres.Sql;
let edge: postgres.Sql;
beforeAll(async () => {
  db = await freshDatabase();
  owner = postgres(db.ownerUrl, { max: 1, onnotice: () => {} });
  edge = postgres(db.edgeUrl, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await owner.end();
  await edge.end();
  await db.drop();
});

test('the edge role plans each statement for its own parameters and cannot write', async () => {
  const [{ plan_cache_mode }] = (await edge`SHOW plan_cache_mode`) as unknown as [
    { plan_cache_mode: string },
  ];
  expect(plan_cache_mode).toBe('force_custom_plan');
  await expect(edge`DELETE FROM places`).rejects.toThrow();
});

// Every PostGIS helper that reads a table's statistics or index pages by name, with a call on
// the private table. The list is checked against the catalogue below, so a PostGIS upgrade
// that adds one fails this test instead of opening a hole.
const HELPERS: Record<string, string> = {
  'st_estimatedextent(text,text)': `SELECT ST_EstimatedExtent('account_locations', 'location')::text AS v`,
  'st_estimatedextent(text,text,text)': `SELECT ST_EstimatedExtent('public', 'account_locations', 'location')::text AS v`,
  'st_estimatedextent(text,text,text,boolean)': `SELECT ST_EstimatedExtent('public', 'account_locations', 'location', true)::text AS v`,
  '_postgis_stats(regclass,text,text)': `SELECT _postgis_stats('account_locations'::regclass, 'location', '2')::text AS v`,
  '_postgis_selectivity(regclass,text,geometry,text)': `SELECT _postgis_selectivity('account_locations'::regclass, 'location', ST_MakeEnvelope(9, 53, 11, 54, 4326), '2')::text AS v`,
  '_postgis_join_selectivity(regclass,text,regclass,text,text)': `SELECT _postgis_join_selectivity('account_locations'::regclass, 'location', 'account_locations'::regclass, 'location', '2')::text AS v`,
  '_postgis_index_extent(regclass,text)': `SELECT _postgis_index_extent('account_locations'::regclass, 'location')::text AS v`,
};

describe('statistics of private tables', () => {
  beforeAll(async () => {
    // 2,000 private locations around Hamburg, one hidden far away; then fresh statistics.
    const [acc] = await owner`
      INSERT INTO accounts (subject, display_name)
      SELECT 'stats-' || i, 'S' || i FROM generate_series(1, 2001) i RETURNING id`;
    expect(acc).toBeDefined();
    await owner`
      INSERT INTO account_locations (account_id, location)
      SELECT id, CASE WHEN subject = 'stats-2001'
                      THEN ST_SetSRID(ST_MakePoint(-70.123456, -45.654321), 4326)
                      ELSE ST_SetSRID(ST_MakePoint(9.9 + random() * 0.2, 53.5 + random() * 0.1), 4326) END
      FROM accounts WHERE subject LIKE 'stats-%'`;
    // A spatial index lets _postgis_index_extent read its root page too.
    await owner`CREATE INDEX IF NOT EXISTS edge_role_test_gix ON account_locations USING gist (location)`;
    await owner`ANALYZE account_locations`;
  });

  test('the list covers every such helper PostGIS installs', async () => {
    const rows = await owner<{ f: string }[]>`
      SELECT p.oid::regprocedure::text AS f FROM pg_proc p
      JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
      JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'postgis'
      WHERE p.proname ILIKE 'st_estimatedextent'
         OR 'regclass'::regtype = ANY (p.proargtypes::regtype[])
      ORDER BY 1`;
    expect(rows.map((r) => r.f).sort()).toEqual(Object.keys(HELPERS).sort());
  });

  for (const [helper, query] of Object.entries(HELPERS)) {
    test(`${helper}: the owner gets an answer, the edge role a refusal`, async () => {
      // The owner's answer proves the statistics are there to leak (the test can fail).
      const [answer] = await owner.unsafe(query);
      if (!helper.startsWith('_postgis_join')) expect(answer?.v).not.toBeNull();
      await expect(edge.unsafe(query)).rejects.toThrow(/permission denied for function/);
      const [{ allowed }] = (await edge`
        SELECT has_function_privilege(${helper}, 'EXECUTE') AS allowed`) as unknown as [
        { allowed: boolean },
      ];
      expect(allowed).toBeFalse();
    });
  }

  test('the hidden location is in the owner’s estimate, so the refusal matters', async () => {
    const [row] = await owner`
      SELECT ST_XMin(ST_EstimatedExtent('public', 'account_locations', 'location')) AS xmin`;
    expect(row!.xmin).toBeLessThan(-69);
  });

  test('pg_stats, pg_stats_ext and pg_statistic show the edge nothing of private tables', async () => {
    expect(
      (await owner`SELECT 1 FROM pg_stats WHERE tablename = 'account_locations'`).length,
    ).toBeGreaterThan(0);
    expect((await edge`SELECT 1 FROM pg_stats WHERE tablename = 'account_locations'`).length).toBe(
      0,
    );
    expect(
      (await edge`SELECT 1 FROM pg_stats_ext WHERE tablename = 'account_locations'`).length,
    ).toBe(0);
    await expect(edge`SELECT 1 FROM pg_statistic LIMIT 1`).rejects.toThrow(/permission denied/);
    await expect(edge`SELECT * FROM account_locations LIMIT 1`).rejects.toThrow(
      /permission denied/,
    );
  });

  test('the edge still plans and answers spatial reads with statistics (the planner is unaffected)', async () => {
    await owner`
      INSERT INTO accounts (subject, display_name, map_state, public_point)
      SELECT 'pub-' || i, 'P' || i, 'exact', ST_SetSRID(ST_MakePoint(9.9 + i * 0.0001, 53.55), 4326)
      FROM generate_series(1, 500) i`;
    await owner`ANALYZE accounts`;
    const plan = await edge.unsafe(`EXPLAIN SELECT count(*) FROM accounts
      WHERE public_point && ST_MakeEnvelope(9.9, 53.5, 10.0, 53.6, 4326)`);
    expect(plan.length).toBeGreaterThan(0);
    const [tile] = await edge`
      SELECT length(ST_AsMVT(t, 'accounts')) AS bytes FROM (
        SELECT ST_AsMVTGeom(ST_Transform(public_point, 3857),
                 ST_Transform(ST_MakeEnvelope(9.85, 53.5, 10.0, 53.6, 4326), 3857)::box2d) AS geom
        FROM accounts WHERE public_point && ST_MakeEnvelope(9.85, 53.5, 10.0, 53.6, 4326)) t`;
    expect(Number(tile!.bytes)).toBeGreaterThan(0);
  });
});
