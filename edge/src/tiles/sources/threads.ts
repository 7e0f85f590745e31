// `threads`: live Fäden. From z9 each thread is its line from the account's public point to
// the node, read from the pieces stored in Web Mercator (thread_segments); below z9, where one
// tile is crossed by tens of thousands of lines hundreds of kilometres long, threads are drawn
// as flows between H3 cells (thread_flows, resolution 3) with the number
// of threads in each. Both tables are kept by triggers with the threads
// (0017_thread_flows_and_segments.sql). `strength` = remaining lifetime / 168 h at read time
// (a flow: the mean of its threads). Accounts not on the map have no line.
// A rendered tile is stale by itself when its first thread runs out or its strengths have
// faded noticeably (render() reports when), even before an event says so.
import type { Sql } from '@weltgewebe/db/client';
import { THREAD_LIFETIME_HOURS } from '@weltgewebe/events/domain';
import type { TileCoord } from '../tile-math.ts';
import { type RenderedLayer, type TileSource, tileBounds } from './tile-source.ts';

/**
 * The strongest threads first; more than this in one tile are left out (weakest first; among
 * threads expiring at the same instant the later spun is kept). Below DETAIL_ZOOM a line is a
 * few bytes (kind and strength repeat, so MVT stores each value once); from there on it also
 * names its node and account (two uuids), so fewer fit. Flows: the most threads first.
 */
export const MAX_THREADS_PER_TILE = 3000;
export const MAX_THREADS_PER_DETAIL_TILE = 2000;
export const MAX_FLOWS_PER_TILE = 3000;
export const DETAIL_ZOOM = 12;
/** Below this zoom threads are drawn as flows between H3 cells. */
export const FLOW_MAX_ZOOM = 8;
/** Strength changes by 1/168 per hour: ten minutes old is still exact to 0.001. */
const STRENGTH_FRESH_MS = 10 * 60_000;
const LIFETIME_S = THREAD_LIFETIME_HOURS * 3600;

/**
 * The thread_flows resolution a zoom reads, or null from z9 (single threads). Resolution 5
 * would aggregate nothing in the large world (0017_thread_flows_and_segments.sql).
 */
export function flowResolution(z: number): 3 | null {
  return z > FLOW_MAX_ZOOM ? null : 3;
}

async function flows(sql: Sql, tile: TileCoord, resolution: number, limit: number) {
  const [row] = await sql<{ mvt: Uint8Array | null; features: number }[]>`
    WITH b AS MATERIALIZED (${tileBounds(sql, tile)}),
    kept AS (
      SELECT f.line, f.threads, f.expires_sum / f.threads AS expires_mean
        FROM thread_flows f
       WHERE f.resolution = ${resolution}::smallint AND f.line && (SELECT env3857 FROM b)
         AND ST_Intersects(f.line, (SELECT env3857 FROM b)) AND f.threads > 0
       ORDER BY f.threads DESC, f.expires_sum / f.threads DESC, f.from_cell, f.to_cell
       LIMIT ${limit}
    ),
    m AS (
      SELECT ST_AsMVTGeom(line, (SELECT env FROM b), 4096, 64, true) AS geom,
             true AS flow, threads AS count,
             round(LEAST(1, GREATEST(0,
               (expires_mean - EXTRACT(EPOCH FROM now())) / ${LIFETIME_S}))::numeric, 2)::float8 AS strength
        FROM kept
    )
    SELECT (SELECT ST_AsMVT(m, 'threads', 4096, 'geom') FROM m WHERE geom IS NOT NULL) AS mvt,
           (SELECT count(*)::int FROM kept) AS features`;
  return {
    mvt: row?.mvt ?? new Uint8Array(),
    staleAt: Date.now() + STRENGTH_FRESH_MS,
    features: row?.features ?? 0,
    partial: (row?.features ?? 0) >= limit,
  };
}

async function lines(sql: Sql, tile: TileCoord, limit: number) {
  const detail = tile.z >= DETAIL_ZOOM;
  // The pieces in the tile (thread_segments_seg_gix): each is at most a z9 tile long, so
  // what the box finds is near the tile. The strongest threads among them are kept; a thread
  // is drawn as the merged pieces that reach the tile (its buffer included).
  const [row] = await sql<{ mvt: Uint8Array | null; next_expiry: Date | null; features: number }[]>`
    WITH b AS MATERIALIZED (${tileBounds(sql, tile)}),
    hits AS MATERIALIZED (
      SELECT s.thread_seq, s.part, s.seg, s.kind, s.expires_at, s.node_id, s.account_id
        FROM thread_segments s
       WHERE s.seg && (SELECT env3857 FROM b) AND ST_Intersects(s.seg, (SELECT env3857 FROM b))
         AND s.expires_at > now()
    ),
    top AS (
      SELECT thread_seq, expires_at FROM hits
       GROUP BY thread_seq, expires_at
       ORDER BY expires_at DESC, thread_seq DESC
       LIMIT ${limit}
    ),
    kept AS (
      SELECT h.thread_seq AS fid, min(h.kind) AS kind, min(h.expires_at) AS expires_at,
             min(h.node_id::text) AS node_id, min(h.account_id::text) AS account_id,
             ST_LineMerge(ST_Collect(h.seg ORDER BY h.part)) AS line
        FROM hits h JOIN top USING (thread_seq)
       GROUP BY h.thread_seq
    ),
    m AS (
      SELECT fid, ST_AsMVTGeom(line, (SELECT env FROM b), 4096, 64, true) AS geom, kind,
             round(LEAST(1, GREATEST(0,
               EXTRACT(EPOCH FROM (expires_at - now())) / ${LIFETIME_S}))::numeric,
               ${detail ? 3 : 2})::float8 AS strength,
             CASE WHEN ${detail} THEN node_id END AS node_id,
             CASE WHEN ${detail} THEN account_id END AS account_id
        FROM kept
    )
    SELECT (SELECT ST_AsMVT(m, 'threads', 4096, 'geom', 'fid') FROM m WHERE geom IS NOT NULL) AS mvt,
           (SELECT min(expires_at) FROM top) AS next_expiry,
           (SELECT count(*)::int FROM top) AS features`;
  const fresh = Date.now() + STRENGTH_FRESH_MS;
  const expiry = row?.next_expiry ? row.next_expiry.getTime() : Number.POSITIVE_INFINITY;
  return {
    mvt: row?.mvt ?? new Uint8Array(),
    staleAt: Math.min(fresh, expiry),
    features: row?.features ?? 0,
    partial: (row?.features ?? 0) >= limit,
  };
}

export const threadsSource: TileSource = {
  name: 'threads',
  description:
    'Fäden: live threads from a Garnrolle to a node, fading with their strength; flows between H3 cells below z9',
  minzoom: 5,
  maxzoom: 22,
  rollupMaxZoom: null,
  filters: [],
  fields: {
    kind: 'String: knotting | participation | conversation (single threads, from z9)',
    strength:
      'Number: remaining lifetime / 168 h, 0..1, when the tile was made (2 decimals below z12, 3 from z12); a flow: the mean of its threads',
    flow: `Boolean: true for a flow between two H3 cells (up to z${FLOW_MAX_ZOOM})`,
    count: 'Number: live threads in the flow',
    node_id: `String: uuid of the node (from z${DETAIL_ZOOM})`,
    account_id: `String: uuid of the account (from z${DETAIL_ZOOM})`,
  },
  async render(sql, tile, _filters, options): Promise<RenderedLayer> {
    const resolution = flowResolution(tile.z);
    if (resolution) {
      return flows(sql, tile, resolution, Math.min(MAX_FLOWS_PER_TILE, options?.limit ?? Infinity));
    }
    const max = tile.z >= DETAIL_ZOOM ? MAX_THREADS_PER_DETAIL_TILE : MAX_THREADS_PER_TILE;
    return lines(sql, tile, Math.min(max, options?.limit ?? Infinity));
  },
};
