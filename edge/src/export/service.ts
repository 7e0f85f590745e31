// Export reads straight from PostgreSQL with the read-only role: only live nodes (the
// live_nodes view: neither removed nor hidden) and only their public columns. Rows come through
// a cursor in batches, so a 10,000-row export never sits in memory whole.
import type { Sql } from '@weltgewebe/db/client';
import { type NodeListRow, nodeListColumns } from '@weltgewebe/db/dto';
import { ApiError } from '@weltgewebe/kit';
import { EXPORT_MAX_ROWS, type ExportArea, type ExportNode, type ExportQuery } from './model.ts';

const BATCH = 500;

export interface ExportSelection {
  /** Name of the area for file names and the calendar ("Ortsweberei Kiel", "Gebiet"). */
  title: string;
  /** Rows that will come (at most the cap). */
  count: number;
  /** More nodes matched than the cap allows. */
  truncated: boolean;
  rows: AsyncIterable<ExportNode>;
}

/** The list row with its dates kept as dates (the formats write them their own way). */
const toNode = ({
  starts_at,
  ends_at,
  created_at,
  updated_at,
  ...rest
}: NodeListRow): ExportNode => ({
  ...rest,
  startsAt: starts_at,
  endsAt: ends_at,
  createdAt: created_at,
  updatedAt: updated_at,
});

async function areaCondition(sql: Sql, area: ExportArea) {
  if (area.by === 'weavery') {
    const [w] = await sql<{ id: string; name: string }[]>`
      SELECT id, name FROM weaveries WHERE slug = ${area.slug}`;
    if (!w)
      throw new ApiError('WEAVERY_NOT_FOUND', 'NOT_FOUND', 'Diese Ortsweberei gibt es nicht.');
    return {
      title: w.name,
      where: sql`ST_Intersects(n.location, (SELECT area FROM weaveries WHERE id = ${w.id}))`,
    };
  }
  const boxes =
    area.west <= area.east
      ? [[area.west, area.east]]
      : [
          [area.west, 180],
          [-180, area.east],
        ];
  const where = boxes
    .map(
      ([w, e]) =>
        sql`n.location && ST_MakeEnvelope(${w!}, ${area.south}, ${e!}, ${area.north}, 4326)`,
    )
    .reduce((a, b) => sql`(${a} OR ${b})`);
  return { title: 'Gebiet', where };
}

/**
 * Live nodes of an area (optionally only some kinds; `eventsOnly` for the calendar: events
 * with a start), at most EXPORT_MAX_ROWS, in a stable order.
 */
export async function selectExport(
  sql: Sql,
  query: ExportQuery,
  opts: { eventsOnly?: boolean } = {},
): Promise<ExportSelection> {
  const area = await areaCondition(sql, query.area);
  const kinds = opts.eventsOnly
    ? sql`AND n.kind = 'event' AND n.starts_at IS NOT NULL`
    : query.kinds.length
      ? sql`AND n.kind = ANY(${query.kinds})`
      : sql``;
  const order = opts.eventsOnly ? sql`n.starts_at, n.seq` : sql`n.seq`;
  // Counted first (bounded by the cap) so that the headers can say how many rows come.
  const [counted] = await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM (
      SELECT 1 FROM live_nodes n WHERE ${area.where} ${kinds} LIMIT ${EXPORT_MAX_ROWS + 1}) x`;
  const matched = counted?.n ?? 0;
  const cursor = sql<NodeListRow[]>`
    SELECT ${sql.unsafe(nodeListColumns('n'))}
    FROM live_nodes n
    WHERE ${area.where} ${kinds}
    ORDER BY ${order}
    LIMIT ${EXPORT_MAX_ROWS}`.cursor(BATCH);
  async function* rows(): AsyncGenerator<ExportNode> {
    for await (const batch of cursor) for (const r of batch) yield toNode(r);
  }
  return {
    title: area.title,
    count: Math.min(matched, EXPORT_MAX_ROWS),
    truncated: matched > EXPORT_MAX_ROWS,
    rows: rows(),
  };
}
