// Node reads straight from PostgreSQL with the read-only role.
import type { Sql } from '@weltgewebe/db/client';
import {
  type NodeListRow,
  type NodeRow,
  nodeListColumns,
  nodeRowColumns,
  toNodeDTO,
  toNodeListItem,
} from '@weltgewebe/db/dto';
import { ApiError } from '@weltgewebe/kit';
import type { InBBoxInput, NodeDetail } from './model.ts';

/** Live nodes in a box (a west > east box crosses the antimeridian), keyset-paginated. */
export async function nodesInBBox(sql: Sql, input: InBBoxInput) {
  const boxes =
    input.west <= input.east
      ? [[input.west, input.east]]
      : [
          [input.west, 180],
          [-180, input.east],
        ];
  const envelope = boxes
    .map(
      ([w, e]) =>
        sql`n.location && ST_MakeEnvelope(${w!}, ${input.south}, ${e!}, ${input.north}, 4326)`,
    )
    .reduce((a, b) => sql`${a} OR ${b}`);
  const kinds = input.kinds?.length ? sql`AND n.kind = ANY(${input.kinds})` : sql``;
  const after = input.cursor ? sql`AND n.seq > ${input.cursor}` : sql``;
  const rows = await sql<(NodeListRow & { seq: string })[]>`
    SELECT n.seq::text AS seq, ${sql.unsafe(nodeListColumns('n'))}
    FROM live_nodes n
    WHERE (${envelope}) ${kinds} ${after}
    ORDER BY n.seq
    LIMIT ${input.limit + 1}`;
  const page = rows.slice(0, input.limit);
  return {
    items: page.map(toNodeListItem),
    nextCursor: rows.length > input.limit ? page[page.length - 1]!.seq : null,
  };
}

interface DetailRow extends NodeRow {
  removed_at: Date | null;
  hidden_at: Date | null;
  live_threads: number;
}

/** One live node with its body and live thread count; removed or hidden nodes are not found. */
export async function nodeById(sql: Sql, id: string, now = new Date()): Promise<NodeDetail> {
  const [r] = await sql<DetailRow[]>`
    SELECT ${sql.unsafe(nodeRowColumns('n'))}, n.removed_at, n.hidden_at,
           (SELECT count(*)::int FROM threads t
             WHERE t.node_id = n.id AND t.expired_at IS NULL AND t.expires_at > ${now}) AS live_threads
    FROM nodes n WHERE n.id = ${id}`;
  if (!r || r.hidden_at)
    throw new ApiError('NODE_NOT_FOUND', 'NOT_FOUND', 'Diesen Knoten gibt es nicht.');
  if (r.removed_at)
    throw new ApiError('NODE_REMOVED', 'NOT_FOUND', 'Dieser Knoten wurde entfernt.');
  return { ...toNodeDTO(r), liveThreads: r.live_threads };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where a node is now (removed or not), or null; lets a command drop the tiles it leaves. */
export async function nodeLocation(
  sql: Sql,
  id: unknown,
): Promise<{ lat: number; lon: number } | null> {
  if (typeof id !== 'string' || !UUID.test(id)) return null;
  const [r] = await sql<{ lat: number; lon: number }[]>`
    SELECT ST_Y(location) AS lat, ST_X(location) AS lon FROM nodes WHERE id = ${id}`;
  return r ?? null;
}
