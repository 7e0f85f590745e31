// Garnrolle commands and the owner's view. The private location lives only in
// account_locations; accounts carries the public point (exact: the location; radius: the point
// derived from the account's secret and the location's cell, public-point.ts; none otherwise).
import type { LatLon } from '@weltgewebe/db/dto';
import type { AuthIdentity } from '@weltgewebe/kit';
import { cellsOf } from '../geo/h3-cells.ts';
import { type Tx, writeEvent } from '../outbox/write-event.ts';
import type { CoreServices } from '../services.ts';
import {
  type AccountDTO,
  type AccountRow,
  type MyAccountDTO,
  type SetLocationInput,
  toAccountDTO,
} from './model.ts';
import { ensureAccount } from './provision.ts';
import { derivePublicPoint, newSecret } from './public-point.ts';

const ACCOUNT_COLUMNS = `id, display_name, map_state, ST_Y(public_point) AS public_lat,
  ST_X(public_point) AS public_lon, radius_m, version`;

interface PrivateRow {
  lat: number;
  lon: number;
  secret: Uint8Array;
  recent_cells: string[];
}

/** The account row, locked for the rest of the transaction (one location change at a time). */
async function lockAccount(tx: Tx, accountId: string): Promise<AccountDTO> {
  const [row] = await tx.unsafe<AccountRow[]>(
    `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1 FOR UPDATE`,
    [accountId],
  );
  return toAccountDTO(row!);
}

async function privateLocation(tx: Tx, accountId: string): Promise<PrivateRow | null> {
  const [row] = await tx<PrivateRow[]>`
    SELECT ST_Y(location) AS lat, ST_X(location) AS lon, secret, recent_cells
    FROM account_locations WHERE account_id = ${accountId}`;
  return row ?? null;
}

const point = (tx: Tx, p: LatLon | null) =>
  p ? tx`ST_SetSRID(ST_MakePoint(${p.lon}, ${p.lat}), 4326)` : tx`NULL`;

const samePoint = (a: LatLon | null, b: LatLon | null) =>
  a === b || (a !== null && b !== null && a.lat === b.lat && a.lon === b.lon);

/** Writes the public side of the account and its h3 cells; returns the new public view. */
export async function writePublic(
  tx: Tx,
  accountId: string,
  mapState: AccountDTO['mapState'],
  publicPoint: LatLon | null,
  radiusM: number | null,
  now: Date,
): Promise<AccountDTO> {
  const cells = publicPoint ? cellsOf(publicPoint.lat, publicPoint.lon) : null;
  const [row] = await tx<AccountRow[]>`
    UPDATE accounts SET map_state = ${mapState}, public_point = ${point(tx, publicPoint)},
      radius_m = ${radiusM},
      h3_r3 = ${cells ? String(cells.r3) : null}, h3_r5 = ${cells ? String(cells.r5) : null},
      h3_r7 = ${cells ? String(cells.r7) : null}, h3_r9 = ${cells ? String(cells.r9) : null},
      version = version + 1, updated_at = ${now}
    WHERE id = ${accountId}
    RETURNING id, display_name, map_state, ST_Y(public_point) AS public_lat,
      ST_X(public_point) AS public_lon, radius_m, version`;
  return toAccountDTO(row!);
}

async function hideInTx(tx: Tx, accountId: string, now: Date): Promise<AccountDTO> {
  const current = await lockAccount(tx, accountId);
  if (current.mapState === 'not_on_map' && current.publicPoint === null) return current;
  const hidden = await writePublic(tx, accountId, 'not_on_map', null, null, now);
  await writeEvent(
    tx,
    'account.hidden',
    { actorId: accountId, aggregateId: accountId, version: hidden.version, occurredAt: now },
    { accountId, previousPublicPoint: current.publicPoint },
  );
  return hidden;
}

/** The owner's view, provisioning the Garnrolle on first use. */
export async function myAccount(services: CoreServices, identity: AuthIdentity) {
  return await services.sql.begin(async (tx): Promise<MyAccountDTO> => {
    const ref = await ensureAccount(tx, identity);
    const [row] = await tx.unsafe<(AccountRow & { created_at: Date })[]>(
      `SELECT ${ACCOUNT_COLUMNS}, created_at FROM accounts WHERE id = $1`,
      [ref.id],
    );
    const own = await privateLocation(tx, ref.id);
    return {
      ...toAccountDTO(row!),
      privateLocation: own ? { lat: own.lat, lon: own.lon } : null,
      createdAt: row!.created_at.toISOString(),
    };
  });
}

/**
 * Places (or hides) the caller's Garnrolle. In radius mode the public point is derived from
 * the account's secret and the cell of the location (public-point.ts): saving again, small
 * moves, hiding and returning and switching radii back and forth show at most one point per
 * radius and cell, so recording every point cannot average the private location out.
 */
export async function setLocation(
  services: CoreServices,
  identity: AuthIdentity,
  input: SetLocationInput,
): Promise<AccountDTO> {
  return await services.sql.begin(async (tx) => {
    const ref = await ensureAccount(tx, identity);
    const now = services.now();
    if (input.mapState === 'not_on_map') return await hideInTx(tx, ref.id, now);

    const current = await lockAccount(tx, ref.id);
    const stored = await privateLocation(tx, ref.id);
    const location = { lat: input.lat, lon: input.lon };
    const secret = stored?.secret ?? newSecret();
    let recentCells = stored?.recent_cells ?? [];
    let publicPoint: LatLon = location;
    let radiusM: number | null = null;
    if (input.mapState === 'radius') {
      radiusM = input.radiusM;
      const derived = derivePublicPoint({ secret, location, radiusM, recentCells });
      publicPoint = derived.point;
      recentCells = derived.recentCells;
    }

    const publicUnchanged =
      current.mapState === input.mapState &&
      current.radiusM === radiusM &&
      samePoint(current.publicPoint, publicPoint);
    const privateUnchanged =
      stored !== null &&
      samePoint(stored, location) &&
      JSON.stringify(stored.recent_cells) === JSON.stringify(recentCells);
    if (!(publicUnchanged && privateUnchanged)) {
      await tx`
        INSERT INTO account_locations (account_id, location, radius_m, secret, recent_cells, updated_at)
        VALUES (${ref.id}, ${point(tx, location)}, ${radiusM}, ${secret}, ${recentCells}::text[], ${now})
        ON CONFLICT (account_id) DO UPDATE SET location = EXCLUDED.location,
          radius_m = EXCLUDED.radius_m, recent_cells = EXCLUDED.recent_cells,
          rederive = false, updated_at = EXCLUDED.updated_at`;
    }
    if (publicUnchanged) {
      // Nothing anyone can see changed: no new version, no event.
      return current;
    }

    const placed = await writePublic(tx, ref.id, input.mapState, publicPoint, radiusM, now);
    await writeEvent(
      tx,
      'account.located',
      { actorId: ref.id, aggregateId: ref.id, version: placed.version, occurredAt: now },
      {
        accountId: ref.id,
        mapState: input.mapState,
        publicPoint,
        previousPublicPoint: current.publicPoint,
      },
    );
    return placed;
  });
}

/** Takes the caller's Garnrolle off the map (keeps the private location for the owner). */
export async function hideAccount(
  services: CoreServices,
  identity: AuthIdentity,
): Promise<AccountDTO> {
  return await services.sql.begin(async (tx) => {
    const ref = await ensureAccount(tx, identity);
    return await hideInTx(tx, ref.id, services.now());
  });
}
