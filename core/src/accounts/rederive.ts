// The one-off step of migration 0011: radius accounts placed under the old rule (a fresh draw
// per change) get their public point re-derived by the new rule (public-point.ts). The
// migration marks them (account_locations.rederive); the core runs this at start and clears
// each mark in the transaction that writes the new point, so every account is re-derived
// exactly once even when several core instances start together (SKIP LOCKED).
import type { LatLon } from '@weltgewebe/db/dto';
import { writeEvent } from '../outbox/write-event.ts';
import type { CoreServices } from '../services.ts';
import { derivePublicPoint } from './public-point.ts';
import { writePublic } from './service.ts';

interface MarkedRow {
  account_id: string;
  lat: number;
  lon: number;
  secret: Uint8Array;
  recent_cells: string[];
  map_state: 'not_on_map' | 'exact' | 'radius';
  radius_m: number | null;
  public_lat: number | null;
  public_lon: number | null;
}

const BATCH = 200;

/** Re-derives every marked account; returns how many public points it rewrote. */
export async function rederiveMarkedPoints(
  services: Pick<CoreServices, 'sql' | 'log' | 'now'>,
): Promise<number> {
  let rewritten = 0;
  for (;;) {
    const done = await services.sql.begin(async (tx) => {
      const rows = await tx<MarkedRow[]>`
        SELECT l.account_id, ST_Y(l.location) AS lat, ST_X(l.location) AS lon, l.secret,
               l.recent_cells, a.map_state, a.radius_m,
               ST_Y(a.public_point) AS public_lat, ST_X(a.public_point) AS public_lon
        FROM account_locations l JOIN accounts a ON a.id = l.account_id
        WHERE l.rederive ORDER BY l.account_id LIMIT ${BATCH}
        FOR UPDATE OF l, a SKIP LOCKED`;
      const now = services.now();
      for (const row of rows) {
        let recentCells = row.recent_cells;
        // Hidden or exact since the migration marked it: nothing derived is shown.
        if (row.map_state === 'radius' && row.radius_m !== null) {
          const derived = derivePublicPoint({
            secret: row.secret,
            location: { lat: row.lat, lon: row.lon },
            radiusM: row.radius_m,
            recentCells,
          });
          recentCells = derived.recentCells;
          const previous: LatLon | null =
            row.public_lat === null ? null : { lat: row.public_lat, lon: row.public_lon! };
          const placed = await writePublic(
            tx,
            row.account_id,
            'radius',
            derived.point,
            row.radius_m,
            now,
          );
          await writeEvent(
            tx,
            'account.located',
            {
              actorId: null,
              aggregateId: row.account_id,
              version: placed.version,
              occurredAt: now,
            },
            {
              accountId: row.account_id,
              mapState: 'radius',
              publicPoint: derived.point,
              previousPublicPoint: previous,
            },
          );
          rewritten++;
        }
        await tx`
          UPDATE account_locations SET rederive = false, recent_cells = ${recentCells}::text[]
          WHERE account_id = ${row.account_id}`;
      }
      return rows.length < BATCH;
    });
    if (done) break;
  }
  if (rewritten > 0) services.log.info('radius points re-derived', { accounts: rewritten });
  return rewritten;
}
