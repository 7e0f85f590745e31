// The migrations' CHECK constraints cannot import @weltgewebe/events/domain, so this test holds
// them to it: each constraint on a domain column allows exactly the declared values and limits.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import {
  DISPLAY_NAME_MAX_CHARS,
  MAP_STATES,
  MESSAGE_MAX_CHARS,
  NODE_KINDS,
  NODE_LIMITS,
  RADIUS_LADDER_M,
  REPORT_REASONS,
  REPORT_TEXT_MAX_CHARS,
  THREAD_KINDS,
  THREAD_LIFETIME_HOURS,
  TOPICS,
} from '@weltgewebe/events/domain';
import postgres from 'postgres';
import { freshDatabase, type TestDatabase } from '../../../infra/src/testing/index.ts';
import { H3_RESOLUTIONS } from './index.ts';

let db: TestDatabase;
let sql: postgres.Sql;
beforeAll(async () => {
  db = await freshDatabase();
  sql = postgres(db.ownerUrl, { max: 1 });
});
afterAll(async () => {
  await sql.end();
  await db.drop();
});

/** The CHECK constraints that read exactly these columns of a table, as PostgreSQL prints them. */
async function checksOn(table: string, ...columns: string[]): Promise<string> {
  const rows = await sql<{ def: string }[]>`
    SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
     WHERE c.contype = 'c' AND c.conrelid = ${table}::regclass
       AND (SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a
             WHERE a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)) = ${[...columns].sort()}::text[]`;
  expect(rows.length).toBeGreaterThan(0);
  return rows.map((r) => r.def).join(' AND ');
}

/** The text literals of a constraint (`'place'::text, ...`), sorted. */
const literals = (def: string) => [...def.matchAll(/'([^']*)'::text/g)].map((m) => m[1]!).sort();
const sorted = (values: readonly (string | number)[]) => [...values].map(String).sort();

/** The number N of `<expression> <op> N` in a constraint. */
function bound(def: string, expression: string, op: '<=' | '>='): number {
  const escaped = expression.replace(/[()]/g, '\\$&');
  const match = def.match(new RegExp(`${escaped} ${op} (\\d+)`));
  if (!match) throw new Error(`no ${expression} ${op} N in ${def}`);
  return Number(match[1]);
}

describe('the database allows exactly the declared domain values', () => {
  test('kinds, topics and map states', async () => {
    expect(literals(await checksOn('nodes', 'kind'))).toEqual(sorted(NODE_KINDS));
    expect(literals(await checksOn('h3_rollup_members', 'node_kind'))).toEqual(sorted(NODE_KINDS));
    expect(literals(await checksOn('threads', 'kind'))).toEqual(sorted(THREAD_KINDS));
    expect(literals(await checksOn('accounts', 'map_state'))).toEqual(sorted(MAP_STATES));
    expect(literals(await checksOn('nodes', 'topics'))).toEqual(sorted(TOPICS));
    const resolutions = await checksOn('h3_rollups', 'resolution');
    expect(sorted(resolutions.match(/\d+/g)!)).toEqual(sorted(H3_RESOLUTIONS));
  });

  test('field limits, the radius ladder and the thread lifetime', async () => {
    const nodeLength = async (column: keyof typeof NODE_LIMITS) =>
      bound(await checksOn('nodes', column), `char_length(${column})`, '<=');
    expect(await nodeLength('title')).toBe(NODE_LIMITS.title);
    expect(await nodeLength('summary')).toBe(NODE_LIMITS.summary);
    expect(await nodeLength('body')).toBe(NODE_LIMITS.body);
    expect(await nodeLength('address')).toBe(NODE_LIMITS.address);
    expect(bound(await checksOn('nodes', 'topics'), 'cardinality(topics)', '<=')).toBe(
      NODE_LIMITS.topics,
    );
    expect(bound(await checksOn('messages', 'body'), 'char_length(body)', '<=')).toBe(
      MESSAGE_MAX_CHARS,
    );
    for (const [table, column] of [
      ['accounts', 'display_name'],
      ['messages', 'author_name'],
    ] as const) {
      const def = await checksOn(table, column);
      expect(bound(def, `char_length(${column})`, '<=')).toBe(DISPLAY_NAME_MAX_CHARS);
    }
    for (const table of ['accounts', 'account_locations']) {
      const def = await checksOn(table, 'radius_m');
      expect(def).toContain('radius_m = ANY');
      expect(def.match(/\d+/g)!.map(Number)).toEqual([...RADIUS_LADDER_M]);
    }
    expect(await checksOn('threads', 'expires_at', 'spun_at')).toContain(
      `'${THREAD_LIFETIME_HOURS}:00:00'::interval`,
    );
  });

  test('report reasons and the length of a report and a moderator note', async () => {
    expect(literals(await checksOn('reports', 'reason'))).toEqual(sorted(REPORT_REASONS));
    expect(bound(await checksOn('reports', 'text'), 'char_length(text)', '<=')).toBe(
      REPORT_TEXT_MAX_CHARS,
    );
    const note = await checksOn('reports', 'resolution_note');
    expect(bound(note, 'char_length(resolution_note)', '<=')).toBe(REPORT_TEXT_MAX_CHARS);
  });
});
