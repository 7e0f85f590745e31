// Export reads straight from PostgreSQL with the read-only role: only live nodes (the
// live_nodes view: neither removed nor hidden) and only their public columns. Rows come through
// a cursor in batches, so a 10,000-row export never sits in memory whole.
import type { Sql } from '@weltgewebe/db/client';
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

interface Row {
  id: string;
  kind: ExportNode['kind'];
  title: string;
  summary: string;
  address: string;
  topics: string[];
  lat: number;
  lon: number;
  starts_at: Date | null;
  ends_at: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const toNode = (r: Row): ExportNode => ({
  id: r.id,
  kind: r.kind,
  title: r.title,
  summary: r.summary,
  address: r.address,
  topics: r.topics,
  lat: r.lat,
  lon: r.lon,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
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
  const cursor = sql<Row[]>`
    SELECT n.id, n.kind, n.title, n.summary, n.address, n.topics,
           ST_Y(n.location) AS lat, ST_X(n.location) AS lon, n.starts_at, n.ends_at,
           n.version, n.created_at, n.updated_at
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
