// hex-rollup worker: keeps h3_rollups (nodes by kind, accounts on the map, live threads per
// H3 cell at resolutions 3/5/7/9) that low-zoom tiles read. An event names what changed; the
// worker reads that member's current state from the tables, compares it with what it counts
// (h3_rollup_members) and applies the difference. Late, repeated or reordered events thus never
// count twice, and a hidden node drops out like a removed one.
import { cellOutlineWkt } from '@weltgewebe/db/h3';
import { H3_RESOLUTIONS } from '@weltgewebe/db/schema';
import type { EventEnvelope, EventType } from '@weltgewebe/events/contracts';
import type { NodeKind } from '@weltgewebe/events/domain';
import { cellsOf } from '../geo/h3-cells.ts';
import type { Tx } from '../outbox/write-event.ts';
import type { EventHandler } from './event-worker.ts';

export const HEX_ROLLUP_CONSUMER = 'hex-rollup';

type MemberType = 'node' | 'account' | 'thread';

/** What one member adds to the rollups: +1 in each of its four cells. */
interface Member {
  nodeKind: NodeKind | null;
  nodeId: string | null;
  /** Cells at resolutions 3, 5, 7, 9 as decimal strings (bigint columns). */
  cells: string[];
}

const COUNTERS = [
  'nodes',
  'nodes_place',
  'nodes_resource',
  'nodes_project',
  'nodes_event',
  'accounts',
  'threads',
] as const;
type Counter = (typeof COUNTERS)[number];
type Delta = { resolution: number; cell: string } & Record<Counter, number>;

/** The member's state as the tables say now; null when it is not counted (gone, hidden, expired). */
async function currentState(tx: Tx, type: MemberType, id: string): Promise<Member | null> {
  if (type === 'node') {
    const [row] = await tx<{ kind: NodeKind; cells: string[] }[]>`
      SELECT n.kind, ARRAY[n.h3_r3, n.h3_r5, n.h3_r7, n.h3_r9] AS cells
        FROM live_nodes n WHERE n.id = ${id}`;
    return row ? { nodeKind: row.kind, nodeId: null, cells: row.cells.map(String) } : null;
  }
  if (type === 'thread') {
    const [row] = await tx<{ node_id: string; cells: string[] }[]>`
      SELECT t.node_id, ARRAY[n.h3_r3, n.h3_r5, n.h3_r7, n.h3_r9] AS cells
        FROM threads t JOIN live_nodes n ON n.id = t.node_id
       WHERE t.id = ${id} AND t.expired_at IS NULL`;
    return row ? { nodeKind: null, nodeId: row.node_id, cells: row.cells.map(String) } : null;
  }
  // Accounts: the public point only, and only while the account shows on the map.
  const [row] = await tx<{ lat: number; lon: number }[]>`
    SELECT ST_Y(public_point) AS lat, ST_X(public_point) AS lon FROM accounts
     WHERE id = ${id} AND map_state <> 'not_on_map' AND public_point IS NOT NULL`;
  return row ? { nodeKind: null, nodeId: null, cells: accountCells(row.lat, row.lon) } : null;
}

function accountCells(lat: number, lon: number): string[] {
  const cells = cellsOf(lat, lon);
  return H3_RESOLUTIONS.map((r) => String(cells[`r${r}`]));
}

function addMember(deltas: Map<string, Delta>, type: MemberType, m: Member, sign: 1 | -1) {
  H3_RESOLUTIONS.forEach((resolution, i) => {
    const cell = m.cells[i]!;
    const key = `${resolution}:${cell}`;
    let d = deltas.get(key);
    if (!d) {
      d = {
        resolution,
        cell,
        nodes: 0,
        nodes_place: 0,
        nodes_resource: 0,
        nodes_project: 0,
        nodes_event: 0,
        accounts: 0,
        threads: 0,
      };
      deltas.set(key, d);
    }
    if (type === 'node') {
      d.nodes += sign;
      d[`nodes_${m.nodeKind!}`] += sign;
    } else if (type === 'account') d.accounts += sign;
    else d.threads += sign;
  });
}

/** Re-evaluates one member and moves its counts (serialised per member across processes). */
export async function reconcileMember(tx: Tx, type: MemberType, id: string): Promise<void> {
  await tx`SELECT pg_advisory_xact_lock(hashtext('h3-rollup'), hashtext(${`${type}:${id}`}))`;
  const [counted] = await tx<
    { node_kind: NodeKind | null; node_id: string | null; cells: string[] }[]
  >`
    SELECT node_kind, node_id, cells FROM h3_rollup_members
     WHERE member_type = ${type} AND member_id = ${id}`;
  const before: Member | null = counted
    ? { nodeKind: counted.node_kind, nodeId: counted.node_id, cells: counted.cells.map(String) }
    : null;
  const after = await currentState(tx, type, id);
  if (sameMember(before, after)) return;

  const deltas = new Map<string, Delta>();
  if (before) addMember(deltas, type, before, -1);
  if (after) addMember(deltas, type, after, 1);
  await applyDeltas(tx, [...deltas.values()]);

  if (after) {
    await tx`INSERT INTO h3_rollup_members (member_type, member_id, node_kind, node_id, cells)
      VALUES (${type}, ${id}, ${after.nodeKind}, ${after.nodeId}, ${after.cells}::bigint[])
      ON CONFLICT (member_type, member_id) DO UPDATE
        SET node_kind = EXCLUDED.node_kind, node_id = EXCLUDED.node_id, cells = EXCLUDED.cells`;
  } else {
    await tx`DELETE FROM h3_rollup_members WHERE member_type = ${type} AND member_id = ${id}`;
  }
}

function sameMember(a: Member | null, b: Member | null): boolean {
  if (!a || !b) return a === b;
  return a.nodeKind === b.nodeKind && a.nodeId === b.nodeId && a.cells.join() === b.cells.join();
}

async function applyDeltas(tx: Tx, all: Delta[]) {
  const deltas = all
    .filter((d) => COUNTERS.some((c) => d[c] !== 0))
    .sort((a, b) => a.resolution - b.resolution || (BigInt(a.cell) < BigInt(b.cell) ? -1 : 1));
  if (deltas.length === 0) return;
  const resolutions = deltas.map((d) => d.resolution);
  const cells = deltas.map((d) => d.cell);
  // Rows are created empty, then locked in one global order (no deadlock between workers).
  await tx`INSERT INTO h3_rollups (resolution, cell, boundary)
    SELECT r, c, ST_GeomFromText(b, 4326)
      FROM unnest(${resolutions}::smallint[], ${cells}::bigint[], ${deltas.map((d) => cellOutlineWkt(d.cell))}::text[]) AS x(r, c, b)
    ON CONFLICT (resolution, cell) DO NOTHING`;
  await tx`SELECT 1 FROM h3_rollups
    WHERE (resolution, cell) IN (SELECT * FROM unnest(${resolutions}::smallint[], ${cells}::bigint[]))
    ORDER BY resolution, cell FOR UPDATE`;
  const col = (c: Counter) => deltas.map((d) => d[c]);
  await tx`UPDATE h3_rollups r SET
      nodes = r.nodes + d.nodes, nodes_place = r.nodes_place + d.place,
      nodes_resource = r.nodes_resource + d.resource, nodes_project = r.nodes_project + d.project,
      nodes_event = r.nodes_event + d.event, accounts = r.accounts + d.accounts,
      threads = r.threads + d.threads, updated_at = now()
    FROM unnest(${resolutions}::smallint[], ${cells}::bigint[], ${col('nodes')}::int[],
                ${col('nodes_place')}::int[], ${col('nodes_resource')}::int[], ${col('nodes_project')}::int[],
                ${col('nodes_event')}::int[], ${col('accounts')}::int[], ${col('threads')}::int[])
      AS d(resolution, cell, nodes, place, resource, project, event, accounts, threads)
    WHERE r.resolution = d.resolution AND r.cell = d.cell`;
  // A cell with nothing left in it is not drawn at all.
  await tx`DELETE FROM h3_rollups
    WHERE (resolution, cell) IN (SELECT * FROM unnest(${resolutions}::smallint[], ${cells}::bigint[]))
      AND nodes = 0 AND accounts = 0 AND threads = 0`;
}

const HANDLED: readonly EventType[] = [
  'node.created',
  'node.updated',
  'node.removed',
  'account.located',
  'account.hidden',
  'thread.spun',
  'thread.expired',
];

/** `name` is the durable consumer (tests use their own). */
export function hexRollupHandler(name = HEX_ROLLUP_CONSUMER): EventHandler {
  return {
    name,
    types: HANDLED,
    async handle(tx, envelope: EventEnvelope) {
      const data = envelope.data as Record<string, unknown>;
      switch (envelope.type) {
        case 'node.created':
        case 'node.updated':
        case 'node.removed': {
          const nodeId = data.id as string;
          await reconcileMember(tx, 'node', nodeId);
          // The node's threads count in its cells: they move, appear or vanish with it.
          const threads = await tx<{ id: string }[]>`
            SELECT id FROM threads WHERE node_id = ${nodeId} AND expired_at IS NULL
            UNION SELECT member_id FROM h3_rollup_members
             WHERE member_type = 'thread' AND node_id = ${nodeId}
            ORDER BY 1`;
          for (const t of threads) await reconcileMember(tx, 'thread', t.id);
          return;
        }
        case 'account.located':
        case 'account.hidden':
          return await reconcileMember(tx, 'account', data.accountId as string);
        case 'thread.spun':
        case 'thread.expired': {
          await reconcileMember(tx, 'thread', data.threadId as string);
          // Spinning closes an overdue, unswept thread of the same kind without an event of
          // its own: drop whatever of this node's counted threads is no longer live.
          const stale = await tx<{ id: string }[]>`
            SELECT m.member_id AS id FROM h3_rollup_members m JOIN threads t ON t.id = m.member_id
             WHERE m.member_type = 'thread' AND m.node_id = ${data.nodeId as string}
               AND t.expired_at IS NOT NULL
             ORDER BY 1`;
          for (const t of stale) await reconcileMember(tx, 'thread', t.id);
          return;
        }
      }
    },
  };
}

/** The full rebuild from the tables (first start, repair) is db's, shared with the seeds. */
export { type RebuildSummary, rebuildRollups } from '@weltgewebe/db/rollups';
