// thread_flows and thread_segments (0017_thread_flows_and_segments.sql) are what the threads
// tile draws below and from z9: they must always equal what the live lines say — a flow per
// pair of H3 cells with its number of threads and the mean of their ends, the pieces of each
// line — through every write that changes a thread or one of its ends.
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

// Cells are made-up numbers: the triggers take them from the rows, whatever they are.
let nextCell = 1000;
const cells = () => ({ r3: nextCell++, r5: nextCell++ });

const account = async (lon: number, lat: number, c = cells()) => {
  const [a] = await sql<{ id: string }[]>`
    INSERT INTO accounts (subject, display_name, map_state, public_point, h3_r3, h3_r5)
    VALUES (${`flow-${crypto.randomUUID()}`}, 'Garnrolle', 'exact',
            ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326), ${c.r3}, ${c.r5})
    RETURNING id`;
  return a!.id;
};
const node = async (by: string, lon: number, lat: number, c = cells()) => {
  const [n] = await sql<{ id: string }[]>`
    INSERT INTO nodes (kind, title, location, h3_r3, h3_r5, h3_r7, h3_r9, created_by)
    VALUES ('place', 'Knoten', ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326), ${c.r3}, ${c.r5}, 0, 0, ${by})
    RETURNING id`;
  return n!.id;
};
const spin = async (a: string, n: string, hoursLeft = 168) => {
  const [t] = await sql<{ id: string }[]>`
    INSERT INTO threads (account_id, node_id, kind, spun_at, expires_at)
    VALUES (${a}, ${n}, 'participation', now() - make_interval(hours => ${168 - hoursLeft}),
            now() + make_interval(hours => ${hoursLeft})) RETURNING id`;
  return t!.id;
};

/** Every flow as the tile would read it: ends in WGS84 (rounded), threads, mean hours left. */
const flows = async () =>
  sql<{ resolution: number; threads: number; line: string; hours: number }[]>`
    SELECT resolution, threads,
           ST_AsText(ST_SnapToGrid(ST_Transform(line, 4326), 0.0001)) AS line,
           round(((expires_sum / threads - extract(epoch FROM now())) / 3600)::numeric)::int AS hours
      FROM thread_flows ORDER BY 1, 3, 2`;

/** What the flows must be: recomputed from the live lines, the way the migration fills them. */
const expected = async () =>
  sql<{ resolution: number; threads: number; line: string; hours: number }[]>`
    SELECT p.resolution, sum(p.threads)::int AS threads,
           ST_AsText(ST_SnapToGrid(ST_Transform(thread_flow_line(sum(p.from_x_sum), sum(p.from_y_sum),
             sum(p.to_x_sum), sum(p.to_y_sum), sum(p.threads)::int), 4326), 0.0001)) AS line,
           round(((sum(p.expires_sum) / sum(p.threads) - extract(epoch FROM now())) / 3600)::numeric)::int AS hours
      FROM threads t,
           thread_flow_parts(t.line, t.from_r3, t.to_r3, t.expires_at, 1) p
     WHERE t.line IS NOT NULL
     GROUP BY p.resolution, p.from_cell, p.to_cell
     ORDER BY 1, 3, 2`;

/** The pieces of a thread's line, merged back (one straight line), in WGS84; the longest in metres. */
const pieces = async (thread: string) => {
  const [row] = await sql<{ n: number; merged: string | null; longest: number | null }[]>`
    SELECT count(*)::int AS n,
           ST_AsText(ST_SnapToGrid(ST_Transform(ST_Simplify(ST_LineMerge(ST_Collect(seg ORDER BY part)), 1), 4326), 0.0001)) AS merged,
           max(ST_Length(seg)) AS longest
      FROM thread_segments WHERE thread_id = ${thread}`;
  return row!;
};

test('threads between the same cells are one flow from the mean account point to the mean node', async () => {
  const from = cells();
  const to = cells();
  const a1 = await account(10, 50, from);
  const a2 = await account(10.2, 50, from);
  const n = await node(a1, 10.1, 50.5, to);
  await spin(a1, n, 168);
  await spin(a2, n, 84);
  const got = await flows();
  expect(got).toEqual(await expected());
  const mine = got.filter((f) => f.line.startsWith('LINESTRING(10.1 50'));
  expect(mine.map((f) => [f.resolution, f.threads, f.hours])).toEqual([[3, 2, 126]]);
  expect(mine[0]!.line).toBe('LINESTRING(10.1 50,10.1 50.5)');
});

test('a move, a renewal, hiding and expiry keep flows and pieces equal to the live lines', async () => {
  const a = await account(5, 45);
  const n = await node(a, 6, 46);
  const t = await spin(a, n, 100);
  expect(await flows()).toEqual(await expected());
  // About 200 km in Web Mercator metres: three pieces, merged back the whole line.
  expect(await pieces(t)).toMatchObject({ n: 3, merged: 'LINESTRING(5 45,6 46)' });

  // The account moves far away, into other cells: its flow moves, the line is cut in pieces.
  const far = cells();
  await sql`UPDATE accounts SET public_point = ST_SetSRID(ST_MakePoint(20, 60), 4326),
              h3_r3 = ${far.r3}, h3_r5 = ${far.r5} WHERE id = ${a}`;
  expect(await flows()).toEqual(await expected());
  const p = await pieces(t);
  // About 2,500 km in Web Mercator metres at these latitudes: many pieces, none over a z9 tile.
  expect(p.n).toBeGreaterThan(20);
  expect(p.longest!).toBeLessThanOrEqual(78_272);
  expect(p.merged).toBe('LINESTRING(20 60,6 46)');

  // A renewal: same flow, fresh strength.
  await sql`UPDATE threads SET spun_at = now(), expires_at = now() + interval '168 hours' WHERE id = ${t}`;
  expect(await flows()).toEqual(await expected());
  const [seg] = await sql<{ fresh: boolean }[]>`
    SELECT bool_and(expires_at > now() + interval '167 hours') AS fresh FROM thread_segments WHERE thread_id = ${t}`;
  expect(seg!.fresh).toBe(true);

  // The node hidden and shown again, then the thread over.
  await sql`UPDATE nodes SET hidden_at = now() WHERE id = ${n}`;
  expect(await flows()).toEqual(await expected());
  expect((await pieces(t)).n).toBe(0);
  await sql`UPDATE nodes SET hidden_at = NULL WHERE id = ${n}`;
  expect(await flows()).toEqual(await expected());
  expect((await pieces(t)).n).toBeGreaterThan(20);
  await sql`UPDATE threads SET expired_at = now() WHERE id = ${t}`;
  expect(await flows()).toEqual(await expected());
  expect((await pieces(t)).n).toBe(0);
});

test('many threads changing in one statement keep the flows exact', async () => {
  const from = cells();
  const to = cells();
  const a = await account(8, 48, from);
  const nodes = [];
  for (let i = 0; i < 30; i++) nodes.push(await node(a, 8 + i / 100, 49, to));
  for (const n of nodes) await spin(a, n, 10 + (nodes.indexOf(n) % 7));
  expect(await flows()).toEqual(await expected());
  // The account moves within its cells: all 30 lines in one UPDATE of threads (the trigger).
  await sql`UPDATE accounts SET public_point = ST_SetSRID(ST_MakePoint(8.01, 48.01), 4326) WHERE id = ${a}`;
  expect(await flows()).toEqual(await expected());
  await sql`UPDATE accounts SET map_state = 'not_on_map', public_point = NULL, h3_r3 = NULL, h3_r5 = NULL
             WHERE id = ${a}`;
  expect(await flows()).toEqual(await expected());
  const [left] = await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM thread_flows WHERE from_cell = ${from.r3}`;
  expect(left!.n).toBe(0);
});
