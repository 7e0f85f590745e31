// The shape that keeps tiles fast, on the `small` generated world: every statement each source
// of the web's composite runs (captured from a real render, then EXPLAINed with its own
// parameters as the edge role) reads threads, nodes, accounts, rollups and weaveries through a
// GiST index on stored geometry, never a sequential scan; threads from the flows between H3
// cells below z9 and from their stored pieces from z9 (0017_thread_flows_and_segments.sql),
// never from threads itself or a join of every live thread with accounts and nodes. The
// statements a composite over its byte budget runs again with a limit are checked too.
// Timing is the bench's business (bench/edge-bench.ts), not this test's.
//
// enable_seqscan is off for the EXPLAIN: the small world's tables are small enough that a
// sequential scan is the cheaper plan there, while at a million rows it is the seconds-long
// one. With it off, PostgreSQL still picks a sequential scan when a statement cannot use an
// index at all — which is exactly what this test is here to catch.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import postgres from 'postgres';
import { GERMANY_AND_NEIGHBOURS, loadGazetteer } from '../../../db/src/gazetteer/load.ts';
import { generateWorld } from '../../../db/src/seed/world-generator.ts';
import { freshDatabase, type TestDatabase } from '../../../infra/src/testing/index.ts';
import { TILE_SOURCES } from './sources.ts';
import { NO_FILTERS } from './tile-filters.ts';
import { tileOf } from './tile-testing.ts';

// Generating the world takes seconds on a quiet machine, minutes on a loaded one.
setDefaultTimeout(600_000);

/** The web's composite (web/src/lib/map/map-style.ts, contentSources). */
const COMPOSITE = ['weaveries', 'hex', 'threads', 'accounts', 'nodes'];
const ZOOMS = [3, 5, 8, 10, 12, 14, 16];
/** Tables whose size grows with the world: each must be reached through an index. */
const BIG = new Set([
  'threads',
  'thread_flows',
  'thread_segments',
  'nodes',
  'accounts',
  'h3_rollups',
  'weaveries',
]);

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

const walk = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(walk)];

let db: TestDatabase;
let gist: Set<string>;
beforeAll(async () => {
  db = await freshDatabase();
  await loadGazetteer(db.ownerUrl, { countries: GERMANY_AND_NEIGHBOURS });
  await generateWorld(db.ownerUrl, { size: 'small', countries: ['DE'] });
  const owner = postgres(db.ownerUrl, { max: 1 });
  try {
    // One weavery over the densest place, so its statement has a row to find.
    await owner`INSERT INTO weaveries (name, slug, area)
      SELECT 'Plan', 'plan', ST_Multi(ST_Buffer(location, 0.2))::geometry(MultiPolygon, 4326)
        FROM nodes ORDER BY seq LIMIT 1`;
    await owner`ANALYZE weaveries`;
    const rows = await owner<{ name: string }[]>`
      SELECT c.relname AS name FROM pg_index i
        JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
       WHERE am.amname = 'gist'`;
    gist = new Set(rows.map((r) => r.name));
  } finally {
    await owner.end();
  }
});
afterAll(async () => {
  await db?.drop();
});

test('every statement of the composite uses a GiST index and no sequential scan', async () => {
  let captured: Array<{ query: string; params: unknown[] }> | null = null;
  const sql = postgres(db.edgeUrl, {
    max: 1,
    debug: (_conn, query, params) => captured?.push({ query, params: [...params] }),
  });
  try {
    await sql`SET enable_seqscan = off`;
    const [centre] = await sql<{ lat: number; lon: number }[]>`
      SELECT ST_Y(location) AS lat, ST_X(location) AS lon FROM nodes ORDER BY seq LIMIT 1`;
    const threadScans: string[] = [];
    for (const name of COMPOSITE) {
      const source = TILE_SOURCES[name]!;
      for (const z of ZOOMS) {
        if (z < source.minzoom || z > source.maxzoom) continue;
        const tile = tileOf(centre!, z);
        // In full, and as a composite over its budget asks again: fewer (tile-service.ts).
        for (const options of [{}, { limit: 5 }]) {
          captured = [];
          await source.render(sql, tile, NO_FILTERS, options);
          const statements = captured;
          captured = null;
          expect(statements.length).toBeGreaterThan(0);
          for (const s of statements) {
            const [row] = await sql.unsafe(`EXPLAIN (FORMAT JSON) ${s.query}`, s.params as never[]);
            const plan = (row!['QUERY PLAN'] as [{ Plan: PlanNode }])[0].Plan;
            const scans = walk(plan).filter(
              (n) => n['Relation Name'] && BIG.has(n['Relation Name']),
            );
            const where = `${name} z${z} ${tile.x}/${tile.y}${options.limit ? ' limit' : ''}`;
            expect({
              where,
              seq: scans.filter((n) => n['Node Type'] === 'Seq Scan').length,
            }).toEqual({
              where,
              seq: 0,
            });
            for (const scan of scans) {
              // A bitmap heap scan names its index on the bitmap index scans below it.
              const indexes =
                scan['Node Type'] === 'Bitmap Heap Scan'
                  ? walk(scan).flatMap((n) => (n['Index Name'] ? [n['Index Name']] : []))
                  : [scan['Index Name'] ?? `${scan['Node Type']} without an index`];
              // Resolution 3 (z0–5) has at most 41,162 cells in the world, and a z3 tile with its
              // margin covers most of them: reading them by the primary key's resolution is the
              // right plan there, and bounded.
              // A limited statement sorts all cells of the box (materialized first): on the
              // small world the planner reads one resolution by its key for that, on the large
              // one the GiST (EXPLAINed there, bench/README.md). Both read only that resolution.
              const allowed = (i: string) =>
                gist.has(i) || ((z <= 5 || !!options.limit) && i === 'h3_rollups_pkey');
              expect({ where, indexes: indexes.filter((i) => !allowed(i)) }).toEqual({
                where,
                indexes: [],
              });
              expect(indexes.length).toBeGreaterThan(0);
            }
            if (name === 'threads') {
              // What the thread tile's statements read (never threads itself).
              const used = scans.flatMap((n) =>
                walk(n).flatMap((m) => (m['Index Name'] ? [m['Index Name']] : [])),
              );
              threadScans.push(`${z}:${used.join('+')}`);
            }
          }
        }
      }
    }
    // Threads are read from flows below z9 and from their stored pieces from z9, each through
    // its GiST index, at every zoom they are drawn at (twice: in full and with a limit).
    const threadZooms = ZOOMS.filter((z) => z >= TILE_SOURCES.threads!.minzoom);
    expect(threadScans).toEqual(
      threadZooms.flatMap((z) => {
        const index = z <= 8 ? 'thread_flows_resolution_line_gix' : 'thread_segments_seg_gix';
        return [`${z}:${index}`, `${z}:${index}`];
      }),
    );
  } finally {
    await sql.end();
  }
});
