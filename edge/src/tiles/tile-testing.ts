// Helpers for the tile tests: fetching and decoding tiles as a map client does, and writing
// nodes, accounts and threads straight into the test database (bulk, with their H3 cells).
import { expect } from 'bun:test';
import { gunzipSync } from 'node:zlib';
import type { Sql } from '@weltgewebe/db/client';
import type { NodeKind } from '@weltgewebe/events/domain';
import { latLngToCell } from 'h3-js';
import { type DecodedFeature, decodeTile } from '../testing/decode-mvt.ts';
import { type TileCoord, tileFraction } from './tile-math.ts';

export type Request = (path: string, init?: RequestInit) => Promise<Response>;
export interface LatLon {
  lat: number;
  lon: number;
}

export const tileOf = (p: LatLon, z: number): TileCoord => {
  const { fx, fy } = tileFraction(p.lat, p.lon, z);
  return { z, x: Math.floor(fx), y: Math.floor(fy) };
};

export const tilePath = (sources: string, t: TileCoord, query = '') =>
  `/tiles/${sources}/${t.z}/${t.x}/${t.y}.mvt${query}`;

export interface FetchedTile {
  status: number;
  bytes: number;
  etag: string | null;
  features: DecodedFeature[];
  layers: string[];
}

/** Fetches a tile (gzip), checks it is an MVT, decodes it. */
export async function fetchTile(
  request: Request,
  sources: string,
  t: TileCoord,
  query = '',
  headers: Record<string, string> = {},
): Promise<FetchedTile> {
  const res = await request(tilePath(sources, t, query), {
    headers: { 'accept-encoding': 'gzip', ...headers },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/vnd.mapbox-vector-tile');
  const body = new Uint8Array(await res.arrayBuffer());
  const raw = res.headers.get('content-encoding') === 'gzip' ? gunzipSync(body) : body;
  const features = decodeTile(raw, t.z, t.x, t.y);
  return {
    status: res.status,
    bytes: raw.byteLength,
    etag: res.headers.get('etag'),
    features,
    layers: [...new Set(features.map((f) => f.layer))],
  };
}

/** Features of one source's tile over a point. */
export async function featuresAt(
  request: Request,
  source: string,
  p: LatLon,
  z: number,
  query = '',
): Promise<DecodedFeature[]> {
  return (await fetchTile(request, source, tileOf(p, z), query)).features;
}

/** Polls until `ok` (never asserts how long it took); returns the last value. */
export async function eventually<T>(
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  ms: number,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > deadline) return v;
    await Bun.sleep(50);
  }
}

export const h3 = (p: LatLon, res: number) => BigInt(`0x${latLngToCell(p.lat, p.lon, res)}`);

export async function insertAccount(
  sql: Sql,
  a: {
    name: string;
    mapState?: 'not_on_map' | 'exact' | 'radius';
    publicPoint?: LatLon | null;
    radiusM?: number | null;
    privateLocation?: LatLon | null;
  },
): Promise<{ id: string; seq: number }> {
  const p = a.publicPoint ?? null;
  const [row] = await sql<{ id: string; seq: string }[]>`
    INSERT INTO accounts (subject, display_name, map_state, public_point, radius_m,
                          h3_r3, h3_r5, h3_r7, h3_r9)
    VALUES (${`test-${crypto.randomUUID()}`}, ${a.name}, ${a.mapState ?? 'exact'},
            ${p ? sql`ST_SetSRID(ST_MakePoint(${p.lon}, ${p.lat}), 4326)` : null},
            ${a.radiusM ?? null},
            ${p ? String(h3(p, 3)) : null}, ${p ? String(h3(p, 5)) : null},
            ${p ? String(h3(p, 7)) : null}, ${p ? String(h3(p, 9)) : null})
    RETURNING id, seq`;
  if (a.privateLocation) {
    const l = a.privateLocation;
    await sql`INSERT INTO account_locations (account_id, location, radius_m)
      VALUES (${row!.id}, ST_SetSRID(ST_MakePoint(${l.lon}, ${l.lat}), 4326), ${a.radiusM ?? null})`;
  }
  return { id: row!.id, seq: Number(row!.seq) };
}

export interface NodeSpec extends LatLon {
  kind?: NodeKind;
  title?: string;
  topics?: string[];
}

/** Inserts nodes in one statement per 5,000; returns their ids and seqs in order. */
export async function insertNodes(
  sql: Sql,
  createdBy: string,
  nodes: NodeSpec[],
): Promise<Array<{ id: string; seq: number }>> {
  const out: Array<{ id: string; seq: number }> = [];
  for (let i = 0; i < nodes.length; i += 5_000) {
    const chunk = nodes.slice(i, i + 5_000);
    const col = (f: (n: NodeSpec) => string | number) => chunk.map(f);
    const rows = await sql<{ id: string; seq: string }[]>`
      INSERT INTO nodes (kind, title, topics, location, h3_r3, h3_r5, h3_r7, h3_r9, starts_at, created_by)
      SELECT kind, title, CASE WHEN topics = '' THEN '{}'::text[] ELSE string_to_array(topics, ',') END,
             ST_SetSRID(ST_MakePoint(lon, lat), 4326), r3, r5, r7, r9,
             CASE WHEN kind = 'event' THEN now() END, ${createdBy}::uuid
        FROM unnest(${col((n) => n.kind ?? 'place')}::text[], ${col((n) => n.title ?? 'Knoten')}::text[],
                    ${col((n) => (n.topics ?? []).join(','))}::text[],
                    ${col((n) => n.lon)}::float8[], ${col((n) => n.lat)}::float8[],
                    ${col((n) => String(h3(n, 3)))}::bigint[], ${col((n) => String(h3(n, 5)))}::bigint[],
                    ${col((n) => String(h3(n, 7)))}::bigint[], ${col((n) => String(h3(n, 9)))}::bigint[])
          WITH ORDINALITY AS x(kind, title, topics, lon, lat, r3, r5, r7, r9, ord)
       ORDER BY ord
      RETURNING id, seq`;
    out.push(...rows.map((r) => ({ id: r.id, seq: Number(r.seq) })));
  }
  return out;
}

/** A thread spun `ageHours` ago (negative expiry = already over its 168 h). */
export async function insertThread(
  sql: Sql,
  t: {
    accountId: string;
    nodeId: string;
    kind?: 'knotting' | 'participation' | 'conversation';
    ageHours?: number;
    expired?: boolean;
  },
): Promise<{ id: string; seq: number }> {
  const [row] = await sql<{ id: string; seq: string }[]>`
    INSERT INTO threads (account_id, node_id, kind, spun_at, expires_at, expired_at)
    SELECT ${t.accountId}::uuid, ${t.nodeId}::uuid, ${t.kind ?? 'participation'}::text, s,
           s + interval '168 hours', (${t.expired ? sql`now()` : null})::timestamptz
      FROM (SELECT now() - make_interval(secs => ${(t.ageHours ?? 0) * 3600}) AS s) x
    RETURNING id, seq`;
  return { id: row!.id, seq: Number(row!.seq) };
}

/** Points spread uniformly over a disc (deterministic). */
export function pointsAround(centre: LatLon, radiusKm: number, count: number): LatLon[] {
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return Array.from({ length: count }, () => {
    const r = radiusKm * Math.sqrt(rand());
    const a = 2 * Math.PI * rand();
    return {
      lat: centre.lat + (r * Math.sin(a)) / 111.32,
      lon: centre.lon + (r * Math.cos(a)) / (111.32 * Math.cos((centre.lat * Math.PI) / 180)),
    };
  });
}
