// Public Garnrolle reads straight from PostgreSQL with the read-only role.
import type { Sql } from '@weltgewebe/db/client';
import { ApiError } from '@weltgewebe/infra/kit';
import type { MapState, PublicAccount } from './model.ts';

interface Row {
  id: string;
  display_name: string;
  map_state: MapState;
  lat: number | null;
  lon: number | null;
  radius_m: number | null;
}

/** A missing or invalid public point shows as not_on_map (domain.md). */
export function toPublicAccount(r: Row): PublicAccount {
  const onMap =
    r.map_state !== 'not_on_map' &&
    r.lat !== null &&
    r.lon !== null &&
    Math.abs(r.lat) <= 85 &&
    Math.abs(r.lon) <= 180;
  const mapState: MapState = onMap ? r.map_state : 'not_on_map';
  return {
    id: r.id,
    displayName: r.display_name,
    mapState,
    publicPoint: onMap ? { lat: r.lat!, lon: r.lon! } : null,
    radiusM: mapState === 'radius' ? r.radius_m : null,
  };
}

export async function accountById(sql: Sql, id: string): Promise<PublicAccount> {
  const [row] = await sql<Row[]>`
    SELECT id, display_name, map_state, ST_Y(public_point) AS lat, ST_X(public_point) AS lon, radius_m
    FROM accounts WHERE id = ${id}`;
  if (!row) throw new ApiError('ACCOUNT_NOT_FOUND', 'NOT_FOUND', 'Diese Garnrolle gibt es nicht.');
  return toPublicAccount(row);
}
