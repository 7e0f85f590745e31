// Node reads straight from PostgreSQL with the read-only role.
import type { Sql } from '@weltgewebe/db/client';
import type { InBBoxInput, NodeListItem } from './model.ts';

interface Row {
  seq: string;
  id: string;
  kind: NodeListItem['kind'];
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
  const rows = await sql<Row[]>`
    SELECT n.seq::text AS seq, n.id, n.kind, n.title, n.summary, n.address, n.topics,
           ST_Y(n.location) AS lat, ST_X(n.location) AS lon, n.starts_at, n.ends_at, n.version, n.created_at, n.updated_at
    FROM nodes n
    WHERE (${envelope}) AND n.removed_at IS NULL AND n.hidden_at IS NULL ${kinds} ${after}
    ORDER BY n.seq
    LIMIT ${input.limit + 1}`;
  const page = rows.slice(0, input.limit);
  const items: NodeListItem[] = page.map((r) => ({
    id: r.id,
    kind: r.kind,
    title: r.title,
    summary: r.summary,
    address: r.address,
    topics: r.topics,
    lat: r.lat,
    lon: r.lon,
    startsAt: r.starts_at?.toISOString() ?? null,
    endsAt: r.ends_at?.toISOString() ?? null,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  }));
  return { items, nextCursor: rows.length > input.limit ? page[page.length - 1]!.seq : null };
}
