// `threads`: live Fäden as lines from the account's public point to the node (stored on the
// thread, 0011_thread_lines.sql), with `strength` = remaining lifetime / 168 h computed at
// read time. Accounts not on the map have no line.
// A rendered tile is stale by itself when its first thread runs out or its strengths have
// faded noticeably (render() reports when), even before an event says so.
import { THREAD_LIFETIME_HOURS } from '@weltgewebe/events/domain';
import { type TileSource, tileBounds } from './tile-source.ts';

/**
 * The strongest threads first; more than this in one tile are left out (weakest first; among
 * threads expiring at the same instant: from z12 the later spun, below in index order).
 * Below DETAIL_ZOOM a line is a few bytes (kind and strength repeat, so MVT stores each value
 * once); from there on it also names its node and account (two uuids), so fewer fit.
 */
export const MAX_THREADS_PER_TILE = 6000;
export const MAX_THREADS_PER_DETAIL_TILE = 2000;
export const DETAIL_ZOOM = 12;
/** Strength changes by 1/168 per hour: ten minutes old is still exact to 0.001. */
const STRENGTH_FRESH_MS = 10 * 60_000;
const LIFETIME_S = THREAD_LIFETIME_HOURS * 3600;
/** Below DETAIL_ZOOM the index orders by distance of expires_at to this date: strongest first. */
const STRONGEST = '2200-01-01T00:00:00Z';

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
    // The stored lines in the tile, from threads_line_live_gix (0011_thread_lines.sql), no
    // join. Below DETAIL_ZOOM nearly every line of a tile's region crosses it: the index hands
    // them out strongest first (ordered by expires_at, through btree_gist) and the scan stops
    // at the limit. From DETAIL_ZOOM the tile is small and long lines only pass its box: the
    // lines that really cross it are found first, then the strongest kept.
    const live = sql`t.expired_at IS NULL AND t.line IS NOT NULL AND t.expires_at > now()`;
    const [row] = await sql<{ mvt: Uint8Array | null; next_expiry: Date | null }[]>`
      WITH b AS MATERIALIZED (${tileBounds(sql, tile)}),
      kept AS (${
        detail
          ? sql`
        SELECT t.seq AS fid, t.line, t.kind, t.node_id, t.account_id, t.expires_at
          FROM threads t
         WHERE t.line && (SELECT env4326 FROM b) AND ST_Intersects(t.line, (SELECT env4326 FROM b))
           AND ${live}
         ORDER BY t.expires_at DESC, t.seq DESC
         LIMIT ${limit}`
          : sql`
        SELECT * FROM (
          SELECT t.seq AS fid, t.line, t.kind, t.node_id, t.account_id, t.expires_at
            FROM threads t
           WHERE t.line && (SELECT env4326 FROM b) AND ${live}
           ORDER BY t.expires_at <-> ${STRONGEST}::timestamptz
        ) o WHERE ST_Intersects(o.line, (SELECT env4326 FROM b))
        LIMIT ${limit}`
      })
      SELECT (SELECT ST_AsMVT(m, 'threads', 4096, 'geom', 'fid') FROM (
                SELECT fid,
                       ST_AsMVTGeom(ST_Transform(line, 3857), (SELECT env FROM b), 4096, 64, true) AS geom,
                       kind,
                       round(LEAST(1, GREATEST(0,
                         EXTRACT(EPOCH FROM (expires_at - now())) / ${LIFETIME_S}))::numeric,
                         ${detail ? 3 : 2})::float8 AS strength,
                       CASE WHEN ${detail} THEN node_id::text END AS node_id,
                       CASE WHEN ${detail} THEN account_id::text END AS account_id
                  FROM kept) m WHERE geom IS NOT NULL) AS mvt,
             (SELECT min(expires_at) FROM kept) AS next_expiry`;
    const fresh = Date.now() + STRENGTH_FRESH_MS;
    const expiry = row?.next_expiry ? row.next_expiry.getTime() : Number.POSITIVE_INFINITY;
    return { mvt: row?.mvt ?? new Uint8Array(), staleAt: Math.min(fresh, expiry) };
  },
};
