// live_nodes is the one definition of a live node: neither removed nor hidden, with every
// column of nodes (a column added to nodes later must reach the view too), readable by both
// service roles and writable by neither.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import postgres from 'postgres';
import { freshDatabase, type TestDatabase } from '../../../infra/src/testing/index.ts';

let db: TestDatabase;
let owner: postgres.Sql;
let core: postgres.Sql;
let edge: postgres.Sql;
beforeAll(async () => {
  db = await freshDatabase();
  owner = postgres(db.ownerUrl, { max: 1, onnotice: () => {} });
  core = postgres(db.coreUrl, { max: 1, onnotice: () => {} });
  edge = postgres(db.edgeUrl, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await Promise.all([owner.end(), core.end(), edge.end()]);
  await db.drop();
});

test('live_nodes has every column of nodes, in order and of the same type', async () => {
  const columns = (table: string) => owner<{ name: string; type: string }[]>`
    SELECT attname::text AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
     WHERE attrelid = ${table}::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`;
  const nodeColumns = await columns('nodes');
  expect(nodeColumns.length).toBeGreaterThan(20);
  expect(await columns('live_nodes')).toEqual(nodeColumns);
});

test('the map shows live nodes only; removed and hidden ones are gone for both services', async () => {
  const [account] = await owner<{ id: string }[]>`
    INSERT INTO accounts (subject, display_name) VALUES ('live-nodes', 'L') RETURNING id`;
  const ids: Record<string, string> = {};
  for (const title of ['Gemeinschaftsgarten', 'Abgerissen', 'Versteckt']) {
    const [row] = await owner<{ id: string }[]>`
      INSERT INTO nodes (kind, title, location, h3_r3, h3_r5, h3_r7, h3_r9, created_by)
      VALUES ('place', ${title}, ST_SetSRID(ST_MakePoint(9.99, 53.55), 4326), 1, 1, 1, 1, ${account!.id})
      RETURNING id`;
    ids[title] = row!.id;
  }
  await owner`UPDATE nodes SET removed_at = now() WHERE id = ${ids.Abgerissen!}`;
  await owner`UPDATE nodes SET hidden_at = now() WHERE id = ${ids.Versteckt!}`;
  for (const role of [core, edge]) {
    const rows = await role<{ title: string }[]>`SELECT title FROM live_nodes ORDER BY title`;
    expect(rows.map((r) => r.title)).toEqual(['Gemeinschaftsgarten']);
  }
  await expect(core`UPDATE live_nodes SET title = 'x'`).rejects.toThrow(/permission denied/);
  await expect(edge`DELETE FROM live_nodes`).rejects.toThrow(/permission denied|read-only/);
});
