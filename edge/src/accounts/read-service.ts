// Public Garnrolle reads straight from PostgreSQL with the read-only role.
import type { Sql } from '@weltgewebe/db/client';
import { type PublicAccount, type PublicAccountRow, toPublicAccount } from '@weltgewebe/db/dto';
import { ApiError } from '@weltgewebe/kit';

export async function accountById(sql: Sql, id: string): Promise<PublicAccount> {
  const [row] = await sql<PublicAccountRow[]>`
    SELECT id, display_name, map_state, ST_Y(public_point) AS public_lat,
      ST_X(public_point) AS public_lon, radius_m
    FROM accounts WHERE id = ${id}`;
  if (!row) throw new ApiError('ACCOUNT_NOT_FOUND', 'NOT_FOUND', 'Diese Garnrolle gibt es nicht.');
  return toPublicAccount(row);
}
