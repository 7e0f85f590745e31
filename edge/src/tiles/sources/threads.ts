// `threads`: live Fäden as lines from the account's public point to the node, with `strength`
// = remaining lifetime / 168 h computed at read time. Accounts not on the map have no line.
// A rendered tile is stale by itself when its first thread runs out or its strengths have
// faded noticeably (render() reports when), even before an event says so.
import { THREAD_LIFETIME_HOURS } from '@weltgewebe/events/domain';
import { type TileSource, tileBounds } from './tile-source.ts';

/**
 * The strongest threads first; more than this in one tile are left out (weakest first).
 * Below DETAIL_ZOOM a line is a few bytes (kind and strength repeat, so MVT stores each value
 * once); from there on it also names its node and account (two uuids), so fewer fit.
 */
export const MAX_THREADS_PER_TILE = 6000;
export const MAX_THREADS_PER_DETAIL_TILE = 2000;
export const DETAIL_ZOOM = 12;
/** Strength changes by 1/168 per hour: ten minutes old is still exact to 0.001. */
const STRENGTH_FRESH_MS = 10 * 60_000;
const LIFETIME_S = THREAD_LIFETIME_HOURS * 3600;

export const threadsSource: TileSource = {
  name: 'threads',
  description: 'Fäden: live threads from a Garnrolle to a node, fading with their strength',
  minzoom: 5,
  maxzoom: 22,
  rollupMaxZoom: null,
  filters: [],
  fields: {
    kind: 'String: knotting | participation | conversation',
    strength:
      'Number: remaining lifetime / 168 h, 0..1, when the tile was made (2 decimals below z12, 3 from z12)',
    node_id: `String: uuid of the node (from z${DETAIL_ZOOM})`,
    account_id: `String: uuid of the account (from z${DETAIL_ZOOM})`,
  },
  async render(sql, tile) {
    const detail = tile.z >= DETAIL_ZOOM;
    const limit = detail ? MAX_THREADS_PER_DETAIL_TILE : MAX_THREADS_PER_TILE;
    const [row] = await sql<{ mvt: Uint8Array | null; next_expiry: Date | null }[]>`
      WITH b AS (${tileBounds(sql, tile)}),
      live AS (
        SELECT t.seq, t.id, t.kind, t.node_id, t.account_id, t.expires_at,
               ST_MakeLine(a.public_point, n.location) AS line
          FROM threads t
          JOIN accounts a ON a.id = t.account_id
          JOIN live_nodes n ON n.id = t.node_id
         WHERE t.expired_at IS NULL AND t.expires_at > now()
           AND a.map_state <> 'not_on_map' AND a.public_point IS NOT NULL
      ),
      f AS (
        SELECT live.seq AS fid,
               ST_AsMVTGeom(ST_Transform(live.line, 3857), b.env, 4096, 64, true) AS geom,
               live.kind,
               CASE WHEN ${detail} THEN live.node_id::text END AS node_id,
               CASE WHEN ${detail} THEN live.account_id::text END AS account_id,
               round(LEAST(1, GREATEST(0,
                 EXTRACT(EPOCH FROM (live.expires_at - now())) / ${LIFETIME_S}))::numeric,
                 ${detail ? 3 : 2})::float8 AS strength,
               live.expires_at
          FROM live, b
         WHERE live.line && b.env4326
      ),
      kept AS (
        SELECT * FROM f WHERE geom IS NOT NULL ORDER BY strength DESC, fid LIMIT ${limit}
      )
      SELECT (SELECT ST_AsMVT(m, 'threads', 4096, 'geom', 'fid')
                FROM (SELECT fid, geom, kind, strength, node_id, account_id FROM kept) m) AS mvt,
             (SELECT min(expires_at) FROM kept) AS next_expiry`;
    const fresh = Date.now() + STRENGTH_FRESH_MS;
    const expiry = row?.next_expiry ? row.next_expiry.getTime() : Number.POSITIVE_INFINITY;
    return { mvt: row?.mvt ?? new Uint8Array(), staleAt: Math.min(fresh, expiry) };
  },
};
