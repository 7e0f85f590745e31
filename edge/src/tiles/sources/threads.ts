// `threads`: live Fäden as lines from the account's public point to the node, with `strength`
// = remaining lifetime / 168 h computed at read time. Accounts not on the map have no line.
// A rendered tile is stale by itself when its first thread runs out or its strengths have
// faded noticeably (render() reports when), even before an event says so.
import { THREAD_LIFETIME_HOURS } from '@weltgewebe/db/schema';
import { type TileSource, tileBounds } from './tile-source.ts';

/** The strongest threads first; more than this in one tile are left out (weakest first). */
export const MAX_THREADS_PER_TILE = 4000;
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
    id: 'String: uuid of the thread',
    kind: 'String: knotting | participation | conversation',
    strength: 'Number: remaining lifetime / 168 h, 0..1, at the time the tile was made',
    node_id: 'String: uuid of the node',
    account_id: 'String: uuid of the account',
  },
  async render(sql, tile) {
    const [row] = await sql<{ mvt: Uint8Array | null; next_expiry: Date | null }[]>`
      WITH b AS (${tileBounds(sql, tile)}),
      live AS (
        SELECT t.seq, t.id, t.kind, t.node_id, t.account_id, t.expires_at,
               ST_MakeLine(a.public_point, n.location) AS line
          FROM threads t
          JOIN accounts a ON a.id = t.account_id
          JOIN nodes n ON n.id = t.node_id
         WHERE t.expired_at IS NULL AND t.expires_at > now()
           AND a.map_state <> 'not_on_map' AND a.public_point IS NOT NULL
           AND n.removed_at IS NULL AND n.hidden_at IS NULL
      ),
      f AS (
        SELECT live.seq AS fid,
               ST_AsMVTGeom(ST_Transform(live.line, 3857), b.env, 4096, 64, true) AS geom,
               live.id::text AS id, live.kind, live.node_id::text AS node_id,
               live.account_id::text AS account_id,
               round(LEAST(1, GREATEST(0,
                 EXTRACT(EPOCH FROM (live.expires_at - now())) / ${LIFETIME_S}))::numeric, 3)::float8
                 AS strength,
               live.expires_at
          FROM live, b
         WHERE live.line && b.env4326
      ),
      kept AS (
        SELECT * FROM f WHERE geom IS NOT NULL ORDER BY strength DESC, fid LIMIT ${MAX_THREADS_PER_TILE}
      )
      SELECT (SELECT ST_AsMVT(m, 'threads', 4096, 'geom', 'fid')
                FROM (SELECT fid, geom, id, kind, strength, node_id, account_id FROM kept) m) AS mvt,
             (SELECT min(expires_at) FROM kept) AS next_expiry`;
    const fresh = Date.now() + STRENGTH_FRESH_MS;
    const expiry = row?.next_expiry ? row.next_expiry.getTime() : Number.POSITIVE_INFINITY;
    return { mvt: row?.mvt ?? new Uint8Array(), staleAt: Math.min(fresh, expiry) };
  },
};
