// threads.line (0011_thread_lines.sql) is what the threads tile draws: it must always be the
// segment from the account's public point to its node while the thread would be drawn, and
// NULL otherwise — through every write that changes one of its ends.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import postgres from 'postgres';
import { freshDatabase, type TestDatabase } from '../../../infra/src/testing/index.ts';

let db: TestDatabase;
let sql: postgres.Sql;
beforeAll(async () => {
  db = await freshDatabase();
  sql = postgres(db.ownerUrl, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await sql?.end();
  await db?.drop();
});

const account = async (lon: number | null) => {
  const [a] = await sql<{ id: string }[]>`
    INSERT INTO accounts (subject, display_name, map_state, public_point)
    VALUES (${`line-${crypto.randomUUID()}`}, 'Garnrolle',
            ${lon === null ? 'not_on_map' : 'exact'},
            ${lon === null ? null : sql`ST_SetSRID(ST_MakePoint(${lon}, 50), 4326)`})
    RETURNING id`;
  return a!.id;
};
const node = async (by: string, lon: number) => {
  const [n] = await sql<{ id: string }[]>`
    INSERT INTO nodes (kind, title, location, h3_r3, h3_r5, h3_r7, h3_r9, created_by)
    VALUES ('place', 'Knoten', ST_SetSRID(ST_MakePoint(${lon}, 52), 4326), 0, 0, 0, 0, ${by})
    RETURNING id`;
  return n!.id;
};
const spin = async (a: string, n: string) => {
  const [t] = await sql<{ id: string }[]>`
    INSERT INTO threads (account_id, node_id, kind, spun_at, expires_at)
    VALUES (${a}, ${n}, 'participation', now(), now() + interval '168 hours') RETURNING id`;
  return t!.id;
};
/** The stored line as text, or null. */
const lineOf = async (thread: string) => {
  const [t] = await sql<{ line: string | null }[]>`
    SELECT ST_AsText(line) AS line FROM threads WHERE id = ${thread}`;
  return t!.line;
};

test('a spun thread has its line; moves of either end move it', async () => {
  const a = await account(10);
  const n = await node(a, 13);
  const t = await spin(a, n);
  expect(await lineOf(t)).toBe('LINESTRING(10 50,13 52)');

  await sql`UPDATE accounts SET public_point = ST_SetSRID(ST_MakePoint(11, 50), 4326) WHERE id = ${a}`;
  expect(await lineOf(t)).toBe('LINESTRING(11 50,13 52)');

  await sql`UPDATE nodes SET location = ST_SetSRID(ST_MakePoint(14, 52), 4326) WHERE id = ${n}`;
  expect(await lineOf(t)).toBe('LINESTRING(11 50,14 52)');

  // A renewal keeps the line.
  await sql`UPDATE threads SET spun_at = now(), expires_at = now() + interval '168 hours' WHERE id = ${t}`;
  expect(await lineOf(t)).toBe('LINESTRING(11 50,14 52)');
});

test('no line while the account is off the map, the node hidden or removed, or the thread over', async () => {
  const a = await account(10);
  const n = await node(a, 13);
  const t = await spin(a, n);

  await sql`UPDATE accounts SET map_state = 'not_on_map', public_point = NULL WHERE id = ${a}`;
  expect(await lineOf(t)).toBeNull();
  await sql`UPDATE accounts SET map_state = 'exact', public_point = ST_SetSRID(ST_MakePoint(9, 50), 4326) WHERE id = ${a}`;
  expect(await lineOf(t)).toBe('LINESTRING(9 50,13 52)');

  await sql`UPDATE nodes SET hidden_at = now() WHERE id = ${n}`;
  expect(await lineOf(t)).toBeNull();
  await sql`UPDATE nodes SET hidden_at = NULL WHERE id = ${n}`;
  expect(await lineOf(t)).toBe('LINESTRING(9 50,13 52)');

  await sql`UPDATE threads SET expired_at = expires_at WHERE id = ${t}`;
  expect(await lineOf(t)).toBeNull();

  const again = await spin(a, n);
  expect(await lineOf(again)).toBe('LINESTRING(9 50,13 52)');
  await sql`UPDATE nodes SET removed_at = now() WHERE id = ${n}`;
  expect(await lineOf(again)).toBeNull();

  // Spun by an account not on the map: no line from the start.
  const hidden = await account(null);
  expect(await lineOf(await spin(hidden, await node(hidden, 12)))).toBeNull();
});
