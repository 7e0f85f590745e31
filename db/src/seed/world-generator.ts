// Deterministic bulk world for scale tests and benchmarks: accounts, nodes (with their
// conversations) and living threads spread by population over the real places of the
// gazetteer, loaded with COPY; H3 cells from h3-js; rollups filled afterwards. The same
// size and seed give the same rows (ids, places, titles); only times follow the clock,
// so that threads are alive whenever it runs.
import { NODE_KINDS, THREAD_KINDS, THREAD_LIFETIME_HOURS } from '@weltgewebe/events/domain';
import { latLngToCell } from 'h3-js';
import postgres from 'postgres';
import { copyLine, copyRows } from '../copy-rows.ts';
import { loadGazetteer } from '../gazetteer/load.ts';
import { rebuildRollups } from '../rollups/rebuild.ts';
import { DEMO_TITLES, DEMO_TOPICS, seededRandom } from './demo-world.ts';

export const WORLD_SIZES = {
  small: { nodes: 10_000, accounts: 2_000, threads: 5_000 },
  medium: { nodes: 100_000, accounts: 20_000, threads: 50_000 },
  large: { nodes: 1_000_000, accounts: 200_000, threads: 500_000 },
} as const;

export type WorldSize = keyof typeof WORLD_SIZES;

export interface GenerateOptions {
  size: WorldSize;
  seed?: number;
  /** Spread over the places of these countries only (ISO 3166 alpha-2); default: all. */
  countries?: string[];
  log?: (line: string) => void;
}

export interface GenerateSummary {
  nodes: number;
  accounts: number;
  threads: number;
  rollups: number;
  ms: number;
}

/** Subjects of generated accounts; also how a second run recognises the first. */
const SUBJECT_PREFIX = 'seed-';

/** Unique by construction (tag + index in the last group), random-looking elsewhere. */
export function seedUuid(tag: number, index: number): string {
  const r = seededRandom(index * 16 + tag + 1);
  const hex = (n: number, w: number) => Math.floor(n).toString(16).padStart(w, '0').slice(-w);
  return `${hex(r() * 2 ** 32, 8)}-${hex(r() * 2 ** 16, 4)}-4${hex(r() * 2 ** 12, 3)}-${hex(
    8 + r() * 4,
    1,
  )}${hex(r() * 2 ** 12, 3)}-${tag.toString(16)}${hex(index, 11)}`;
}

const h3 = (lat: number, lon: number, res: number) =>
  BigInt(`0x${latLngToCell(lat, lon, res)}`).toString();
const cellsOf = (lat: number, lon: number) => [3, 5, 7, 9].map((r) => h3(lat, lon, r));
const point = (lat: number, lon: number) => `SRID=4326;POINT(${lon} ${lat})`;

interface Place {
  name: string;
  lat: number;
  lon: number;
  population: number;
}

/** Weighted choice of places by population (binary search over cumulative weights). */
function placePicker(places: Place[], rand: () => number) {
  const cumulative = new Float64Array(places.length);
  let sum = 0;
  places.forEach((p, i) => {
    sum += Math.max(p.population, 1_000);
    cumulative[i] = sum;
  });
  return () => {
    const target = rand() * sum;
    let lo = 0;
    let hi = places.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return places[lo]!;
  };
}

/** A point around a place: bigger places spread wider (2 km + √population / 150 km). */
function around(place: Place, rand: () => number): { lat: number; lon: number } {
  const km = (2 + Math.sqrt(place.population) / 150) * Math.sqrt(rand());
  const theta = rand() * 2 * Math.PI;
  const lat = Math.max(-84.9, Math.min(84.9, place.lat + (km / 111) * Math.sin(theta)));
  const cos = Math.max(0.05, Math.cos((place.lat * Math.PI) / 180));
  let lon = place.lon + (km / (111 * cos)) * Math.cos(theta);
  if (lon > 180) lon -= 360;
  if (lon < -180) lon += 360;
  return { lat: Math.round(lat * 1e6) / 1e6, lon: Math.round(lon * 1e6) / 1e6 };
}

/**
 * Drops a table's secondary indexes for the duration of `load` and builds them again after:
 * one index build is far cheaper than a million index inserts. Inside the caller's
 * transaction, so a failure leaves every index in place.
 */
async function withoutSecondaryIndexes(
  tx: postgres.TransactionSql,
  table: string,
  load: () => Promise<void>,
) {
  const indexes = await tx<{ name: string; def: string }[]>`
    SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
      FROM pg_index i
     WHERE i.indrelid = ${table}::regclass AND NOT i.indisprimary AND NOT i.indisunique`;
  for (const i of indexes) await tx.unsafe(`DROP INDEX ${i.name}`);
  await load();
  for (const i of indexes) await tx.unsafe(i.def);
}

export async function generateWorld(
  url: string,
  options: GenerateOptions,
): Promise<GenerateSummary> {
  const log = options.log ?? (() => {});
  const counts = WORLD_SIZES[options.size];
  const started = performance.now();
  const lap = (what: string) => log(`${what}: ${Math.round(performance.now() - started)} ms`);
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [done] = await sql`SELECT 1 FROM accounts WHERE subject = ${`${SUBJECT_PREFIX}0`}`;
    if (done) throw new Error('a generated world is already loaded here; use a fresh database');
    const [{ n }] = (await sql`SELECT count(*)::int AS n FROM places`) as unknown as [
      { n: number },
    ];
    if (n < 1_000) await loadGazetteer(url, { log });
    const places = await sql<Place[]>`
      SELECT name, ST_Y(location) AS lat, ST_X(location) AS lon, population
        FROM places
       WHERE ${options.countries ? sql`country = ANY(${options.countries})` : sql`true`}
       ORDER BY geonames_id NULLS LAST, id`;
    if (places.length === 0) throw new Error('no places to spread the world over');
    lap(`${places.length} places`);

    const rand = seededRandom(options.seed ?? 20_261_122);
    const pick = placePicker(places, rand);
    const now = Date.now();
    const accountId = (i: number) => seedUuid(1, i);
    const nodeId = (i: number) => seedUuid(2, i);

    await sql.begin(async (tx) => {
      await tx`SET LOCAL maintenance_work_mem = '512MB'`;
      await tx`SET LOCAL synchronous_commit = off`;

      // Garnrollen: 60 % on the map (exact or radius), the rest not.
      const located: Array<{ id: string; location: string; radius: number | null }> = [];
      await copyRows(
        tx,
        'accounts',
        [
          'id',
          'subject',
          'display_name',
          'map_state',
          'public_point',
          'radius_m',
          'h3_r3',
          'h3_r5',
          'h3_r7',
          'h3_r9',
          'created_at',
        ],
        (function* () {
          for (let i = 0; i < counts.accounts; i++) {
            const place = pick();
            const roll = rand();
            const state = roll < 0.4 ? 'not_on_map' : roll < 0.75 ? 'radius' : 'exact';
            const at = around(place, rand);
            const radius = state === 'radius' ? 250 + Math.floor(rand() * 8) * 250 : null;
            let pub: { lat: number; lon: number } | null = null;
            if (state === 'exact') pub = at;
            if (state === 'radius') {
              // The public point lies uniformly on the disc around the private location.
              const r = (radius! / 111_000) * Math.sqrt(rand());
              const t = rand() * 2 * Math.PI;
              pub = {
                lat: at.lat + r * Math.sin(t),
                lon:
                  at.lon + (r * Math.cos(t)) / Math.max(0.05, Math.cos((at.lat * Math.PI) / 180)),
              };
            }
            if (state !== 'not_on_map')
              located.push({ id: accountId(i), location: point(at.lat, at.lon), radius });
            const cells = pub ? cellsOf(pub.lat, pub.lon) : [null, null, null, null];
            yield copyLine([
              accountId(i),
              `${SUBJECT_PREFIX}${i}`,
              `Garnrolle ${place.name} ${i}`.slice(0, 120),
              state,
              pub ? point(pub.lat, pub.lon) : null,
              radius,
              ...cells,
              new Date(now - rand() * 365 * 86_400_000).toISOString(),
            ]);
          }
        })(),
      );
      await copyRows(
        tx,
        'account_locations',
        ['account_id', 'location', 'radius_m'],
        (function* () {
          for (const a of located) yield copyLine([a.id, a.location, a.radius]);
        })(),
      );
      lap(`${counts.accounts} accounts`);

      // Knoten with their conversations; `created_by` any account (limit 1,000 each holds).
      await withoutSecondaryIndexes(tx, 'nodes', () =>
        copyRows(
          tx,
          'nodes',
          [
            'id',
            'kind',
            'title',
            'summary',
            'topics',
            'location',
            'h3_r3',
            'h3_r5',
            'h3_r7',
            'h3_r9',
            'starts_at',
            'created_by',
            'created_at',
            'updated_at',
          ],
          (function* () {
            for (let i = 0; i < counts.nodes; i++) {
              const place = pick();
              const at = around(place, rand);
              const kind = NODE_KINDS[Math.floor(rand() * NODE_KINDS.length)]!;
              const titles = DEMO_TITLES[kind]!;
              const title = `${titles[Math.floor(rand() * titles.length)]} ${place.name}`.slice(
                0,
                120,
              );
              const created = new Date(now - rand() * 365 * 86_400_000).toISOString();
              const startsAt =
                kind === 'event'
                  ? new Date(now + Math.floor(rand() * 60) * 86_400_000).toISOString()
                  : null;
              const cells = cellsOf(at.lat, at.lon);
              yield copyLine([
                nodeId(i),
                kind,
                title,
                `Ein Knoten in ${place.name}.`,
                `{${DEMO_TOPICS[kind]!.join(',')}}`,
                point(at.lat, at.lon),
                ...cells,
                startsAt,
                accountId(Math.floor(rand() * counts.accounts)),
                created,
                created,
              ]);
            }
          })(),
        ),
      );
      lap(`${counts.nodes} nodes`);
      await copyRows(
        tx,
        'conversations',
        ['id', 'node_id'],
        (function* () {
          for (let i = 0; i < counts.nodes; i++) yield copyLine([seedUuid(3, i), nodeId(i)]);
        })(),
      );
      lap('conversations');

      // Living threads: one per (account, node, kind) at most, spun within the last week.
      const seen = new Set<string>();
      await withoutSecondaryIndexes(tx, 'threads', () =>
        copyRows(
          tx,
          'threads',
          ['id', 'account_id', 'node_id', 'kind', 'spun_at', 'expires_at'],
          (function* () {
            for (let i = 0; i < counts.threads; ) {
              const account = Math.floor(rand() * counts.accounts);
              const node = Math.floor(rand() * counts.nodes);
              const kind = THREAD_KINDS[Math.floor(rand() * THREAD_KINDS.length)]!;
              const key = `${account}:${node}:${kind}`;
              if (seen.has(key)) continue;
              seen.add(key);
              const spun = now - rand() * (THREAD_LIFETIME_HOURS - 1) * 3_600_000;
              yield copyLine([
                seedUuid(4, i),
                accountId(account),
                nodeId(node),
                kind,
                new Date(spun).toISOString(),
                new Date(spun + THREAD_LIFETIME_HOURS * 3_600_000).toISOString(),
              ]);
              i++;
            }
          })(),
        ),
      );
      lap(`${counts.threads} threads`);
    });

    const { cells: rollups } = await rebuildRollups(sql);
    lap(`${rollups} rollup cells`);
    await sql`ANALYZE accounts, account_locations, nodes, conversations, threads, h3_rollups, h3_rollup_members`;
    const ms = Math.round(performance.now() - started);
    log(`generated ${options.size} world in ${ms} ms`);
    return { ...counts, rollups, ms };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
