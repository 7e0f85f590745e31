// Living threads of a node straight from PostgreSQL; strength computed at read time.
import type { Sql } from '@weltgewebe/db/client';
import { THREAD_LIFETIME_HOURS } from '@weltgewebe/events/domain';
import { ApiError } from '@weltgewebe/kit';
import type { ThreadListItem, ThreadsForNodeInput } from './model.ts';

interface Row {
  seq: string;
  id: string;
  node_id: string;
  account_id: string;
  account_name: string;
  kind: ThreadListItem['kind'];
  spun_at: Date;
  expires_at: Date;
  strength: number;
  from_lat: number | null;
  from_lon: number | null;
}

/** NODE_NOT_FOUND unless the node is live (removed and hidden nodes show nothing). */
export async function assertLiveNode(sql: Sql, nodeId: string): Promise<void> {
  const [node] = await sql`SELECT 1 FROM live_nodes WHERE id = ${nodeId}`;
  if (!node)
    throw new ApiError('NODE_NOT_FOUND', 'NOT_FOUND', 'Diesen Knoten gibt es nicht (mehr).');
}

export async function threadsForNode(sql: Sql, input: ThreadsForNodeInput) {
  await assertLiveNode(sql, input.nodeId);
  const after = input.cursor ? sql`AND t.seq > ${input.cursor}` : sql``;
  const rows = await sql<Row[]>`
    SELECT t.seq::text AS seq, t.id, t.node_id, t.account_id, a.display_name AS account_name,
           t.kind, t.spun_at, t.expires_at,
           LEAST(1, GREATEST(0, EXTRACT(EPOCH FROM (t.expires_at - now()))
             / ${THREAD_LIFETIME_HOURS * 3600}))::float8 AS strength,
           CASE WHEN a.map_state <> 'not_on_map' THEN ST_Y(a.public_point) END AS from_lat,
           CASE WHEN a.map_state <> 'not_on_map' THEN ST_X(a.public_point) END AS from_lon
    FROM threads t JOIN accounts a ON a.id = t.account_id
    WHERE t.node_id = ${input.nodeId} AND t.expired_at IS NULL AND t.expires_at > now() ${after}
    ORDER BY t.seq
    LIMIT ${input.limit + 1}`;
  const page = rows.slice(0, input.limit);
  const items: ThreadListItem[] = page.map((r) => ({
    id: r.id,
    nodeId: r.node_id,
    accountId: r.account_id,
    accountName: r.account_name,
    kind: r.kind,
    spunAt: r.spun_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
    strength: r.strength,
    from: r.from_lat !== null && r.from_lon !== null ? { lat: r.from_lat, lon: r.from_lon } : null,
  }));
  return { items, nextCursor: rows.length > input.limit ? page[page.length - 1]!.seq : null };
}
