// Migrations on an empty database, and the privacy wall between the edge role and private data.
import { afterAll, describe, expect, test } from 'bun:test';
import postgres from 'postgres';
import { freshDatabase, testServices } from '../../infra/src/testing/index.ts';
import { checkMigrationNames, migrate, migrationFiles } from './migrate.ts';

describe('migration names', () => {
  test('a new migration that reuses a number is refused; the historical pair is kept', () => {
    expect(() => checkMigrationNames(migrationFiles().map((f) => f.name))).not.toThrow();
    expect(() => checkMigrationNames(['0009_a.sql', '0009_b.sql'])).toThrow(
      /share the number 0009/,
    );
    expect(() =>
      checkMigrationNames(['0008_search_keys.sql', '0008_serve_custom_plans.sql', '0008_c.sql']),
    ).toThrow(/share the number 0008/);
  });
});

describe('migrations', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn();
  });

  test('apply on an empty database, then are a no-op', async () => {
    const { pg } = await testServices();
    const admin = postgres(pg.url('postgres'), { max: 1 });
    await admin.unsafe('CREATE DATABASE empty_for_migrate');
    await admin.end();
    const url = pg.url('empty_for_migrate');
    const first = await migrate(url);
    expect(first).toEqual(migrationFiles().map((f) => f.name));
    expect(await migrate(url)).toEqual([]);
    const sql = postgres(url, { max: 1 });
    cleanup.push(() => sql.end());
    const tables = (
      await sql`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`
    ).map((r) => r.tablename);
    for (const t of [
      'accounts',
      'account_locations',
      'nodes',
      'threads',
      'weaveries',
      'weavery_cells',
      'conversations',
      'messages',
      'audit_log',
      'outbox',
      'consumer_inbox',
      'h3_rollups',
      'places',
      'notifications',
      'operations',
    ]) {
      expect(tables).toContain(t);
    }
    const [row] = await sql`SELECT postgis_lib_version() AS v`;
    expect(row?.v).toMatch(/^3\./);
  });

  test('domain limits are enforced by the database too', async () => {
    const db = await freshDatabase();
    const sql = postgres(db.coreUrl, { max: 1 });
    cleanup.push(async () => {
      await sql.end();
      await db.drop();
    });
    const [acc] =
      await sql`INSERT INTO accounts (subject, display_name) VALUES ('s1', 'A') RETURNING id`;
    const insertNode = (title: string, topics: string[], lat: number) => sql`
      INSERT INTO nodes (kind, title, topics, location, h3_r3, h3_r5, h3_r7, h3_r9, created_by)
      VALUES ('place', ${title}, ${topics}, ST_SetSRID(ST_MakePoint(10, ${lat}), 4326), 1, 1, 1, 1, ${acc!.id})`;
    await insertNode('ok', ['food'], 53.5);
    await expect(insertNode('', [], 53.5)).rejects.toThrow(/check constraint/);
    await expect(insertNode('x'.repeat(121), [], 53.5)).rejects.toThrow(/check constraint/);
    await expect(insertNode('bad topic', ['weapons'], 53.5)).rejects.toThrow(/check constraint/);
    await expect(
      insertNode('too many', ['food', 'art', 'craft', 'health', 'nature'], 53.5),
    ).rejects.toThrow(/check constraint/);
    await expect(insertNode('pole', [], 86)).rejects.toThrow(/check constraint/);
  });

  test('the edge role cannot read private locations, but can read the public map', async () => {
    const db = await freshDatabase();
    const owner = postgres(db.ownerUrl, { max: 1 });
    const edge = postgres(db.edgeUrl, { max: 1 });
    cleanup.push(async () => {
      await owner.end();
      await edge.end();
      await db.drop();
    });
    const [acc] =
      await owner`INSERT INTO accounts (subject, display_name) VALUES ('s', 'B') RETURNING id`;
    await owner`INSERT INTO account_locations (account_id, location) VALUES (${acc!.id}, ST_SetSRID(ST_MakePoint(9.99, 53.55), 4326))`;
    await expect(edge`SELECT * FROM account_locations`).rejects.toThrow(/permission denied/);
    await expect(edge`SELECT count(*) FROM outbox`).rejects.toThrow(/permission denied/);
    await expect(
      edge`INSERT INTO accounts (subject, display_name) VALUES ('x', 'y')`,
    ).rejects.toThrow(/permission denied|read-only/);
    const rows = await edge`SELECT display_name FROM accounts`;
    expect(rows.map((r) => r.display_name)).toEqual(['B']);
  });
});
