// Weavery reads straight from PostgreSQL with the read-only role.
import type { Sql } from '@weltgewebe/db/client';
import { ApiError } from '@weltgewebe/kit';
import type { WeaveryRefInput, WeaveryView } from './model.ts';

interface Row {
  id: string;
  name: string;
  slug: string;
  area: WeaveryView['area'];
  west: number;
  south: number;
  east: number;
  north: number;
  version: number;
}

const columns = (sql: Sql) =>
  sql`id, name, slug, ST_AsGeoJSON(area)::json AS area, ST_XMin(area) AS west, ST_YMin(area) AS south,
      ST_XMax(area) AS east, ST_YMax(area) AS north, version`;

const toView = (r: Row): WeaveryView => ({
  id: r.id,
  name: r.name,
  slug: r.slug,
  bbox: [r.west, r.south, r.east, r.north],
  area: r.area,
  version: r.version,
});

/** Every weavery, by name (there are few; each is one local community). */
export async function listWeaveries(sql: Sql): Promise<WeaveryView[]> {
  const rows = await sql<Row[]>`SELECT ${columns(sql)} FROM weaveries ORDER BY name, id`;
  return rows.map(toView);
}

export async function weaveryByRef(sql: Sql, ref: WeaveryRefInput): Promise<WeaveryView> {
  const [row] = ref.id
    ? await sql<Row[]>`SELECT ${columns(sql)} FROM weaveries WHERE id = ${ref.id}`
    : await sql<Row[]>`SELECT ${columns(sql)} FROM weaveries WHERE slug = ${ref.slug!}`;
  if (!row)
    throw new ApiError('WEAVERY_NOT_FOUND', 'NOT_FOUND', 'Diese Ortsweberei gibt es nicht.');
  return toView(row);
}
