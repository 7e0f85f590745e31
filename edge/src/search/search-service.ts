// Search straight from PostgreSQL (read-only role): places by prefix and trigram over
// accent-free keys, ranked by population (and distance); live nodes by German full text with
// the last word as a prefix, topped up by trigram word similarity on titles.
import type { Sql } from '@weltgewebe/db/client';
import type { NodeHit, PlaceHit, SearchInput, SearchResult } from './model.ts';

/** Upper bound of nodes ranked per query: a frequent word must not rank a million rows. */
const NODE_CANDIDATES = 1_000;
/** With `near`: first the matches within this many degrees (about 100 km) … */
const NEARBY_DEGREES = 1;
/** … up to this many, of which the nearest NODE_CANDIDATES are ranked. */
const NEARBY_POOL = 5_000;
/** Trigrams need three letters; shorter input is prefix-only. */
const TRIGRAM_MIN_LENGTH = 3;

/** Lower-case, accent-free key as the database computes it (immutable_unaccent + lower). */
const keyOf = (sql: Sql, q: string) => sql`lower(immutable_unaccent(${q}))`;

/** The first string after every string that starts with `prefix`, in bytewise order. */
export function prefixUpperBound(prefix: string): string {
  const chars = Array.from(prefix);
  const last = chars.pop()!.codePointAt(0)!;
  return chars.join('') + String.fromCodePoint(Math.min(last + 1, 0x10ffff));
}

/**
 * Splits a query into the part for websearch_to_tsquery and a last word to match as a
 * prefix (the word the person is still typing). A last word that is quoted, negated or
 * followed by a space is complete and stays in the websearch part.
 */
export function splitTypedWord(q: string): { head: string; typing: string | null } {
  const m = /^(.*?)(?:^|\s)([\p{L}\p{N}]+)$/su.exec(q);
  if (!m || (m[1]!.match(/"/g)?.length ?? 0) % 2 === 1) return { head: q, typing: null };
  return { head: m[1]!.trim(), typing: m[2]! };
}

interface PlaceRow {
  id: string;
  name: string;
  alt_name: string;
  country: string;
  population: number;
  lat: number;
  lon: number;
}

async function searchPlaces(sql: Sql, input: SearchInput): Promise<PlaceHit[]> {
  const [{ key }] = (await sql`SELECT ${keyOf(sql, input.q)} AS key`) as unknown as [
    { key: string },
  ];
  if (!key) return [];
  const hi = prefixUpperBound(key);
  const prefix = (col: string) =>
    sql`(${sql(col)} COLLATE "C" >= ${key} AND ${sql(col)} COLLATE "C" < ${hi})`;
  const similar = key.length >= TRIGRAM_MIN_LENGTH ? sql`OR p.name_key % ${key}` : sql``;
  // Exact names first, then prefixes, then look-alikes; inside each, big and near first.
  // (alt_key is mostly NULL: IS TRUE keeps NULL from sorting before true.)
  // Planar degrees × 111 km: rough, but only a ranking weight (and cheap on many rows).
  const distance = input.near
    ? sql`- 1.5 * ln(1 + (p.location <-> ST_SetSRID(ST_MakePoint(${input.near.lon}, ${input.near.lat}), 4326)) * 111 / 25)`
    : sql``;
  const rows = await sql<PlaceRow[]>`
    SELECT p.id::text AS id, p.name, p.alt_name, p.country, p.population,
           ST_Y(p.location) AS lat, ST_X(p.location) AS lon
    FROM places p
    WHERE ${prefix('p.name_key')} OR ${prefix('p.alt_key')} ${similar}
    ORDER BY (p.name_key = ${key} OR p.alt_key = ${key}) IS TRUE DESC,
             (${prefix('p.name_key')} OR ${prefix('p.alt_key')}) IS TRUE DESC,
             ln(p.population + 100) ${distance} DESC,
             p.id
    LIMIT ${input.limit}`;
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    altName: r.alt_name,
    country: r.country,
    population: r.population,
    lat: r.lat,
    lon: r.lon,
  }));
}

interface NodeRow {
  id: string;
  kind: NodeHit['kind'];
  title: string;
  summary: string;
  topics: string[];
  lat: number;
  lon: number;
}

/** The tsquery of the input: websearch syntax, the word being typed as a prefix. */
function nodeTsQuery(sql: Sql, q: string) {
  const { head, typing } = splitTypedWord(q);
  const words = head ? sql`websearch_to_tsquery('german', ${head})` : null;
  // The typed word is letters and digits only, so `word:*` is a safe to_tsquery input.
  const prefix = typing
    ? sql`(to_tsquery('german', ${`${typing}:*`}) || to_tsquery('simple', ${`${typing}:*`}))`
    : null;
  return words && prefix ? sql`${words} && ${prefix}` : (words ?? prefix!);
}

/**
 * Ranks at most NODE_CANDIDATES matching live nodes: with `near`, the nearest ones, else any. Full-text matches rank by ts_rank, trigram look-alikes
 * by word similarity; both are divided by (1 + km / 50) when `near` is given.
 */
async function rankNodes(
  sql: Sql,
  input: SearchInput,
  how: 'words' | 'look-alike',
  limit: number,
  scope: 'around' | 'anywhere' = 'anywhere',
): Promise<NodeRow[]> {
  const tsq = nodeTsQuery(sql, input.q);
  const plain = sql`immutable_unaccent(${input.q})`;
  const near = input.near
    ? sql`ST_SetSRID(ST_MakePoint(${input.near.lon}, ${input.near.lat}), 4326)`
    : null;
  const match =
    how === 'words'
      ? sql`n.search @@ (${tsq})`
      : sql`immutable_unaccent(n.title) %> ${plain} AND NOT n.search @@ (${tsq})`;
  const score =
    how === 'words'
      ? sql`ts_rank(n.search, ${tsq})`
      : sql`word_similarity(${plain}, immutable_unaccent(n.title))`;
  // Degrees of the planar distance × 111 km: rough, but only a ranking weight.
  const proximity = near ? sql`/ (1 + (n.location <-> ${near}) * 111 / 50)` : sql``;
  // Around `near`: the matches in a box (nearest first); never a nearest-neighbour scan
  // filtered by the match, which for a rare word walks half the table.
  const box =
    near && scope === 'around'
      ? sql`AND n.location && ST_Expand(${near}, ${NEARBY_DEGREES})`
      : sql``;
  const candidates = near
    ? sql`
      pool AS MATERIALIZED (
        SELECT n.seq, n.location FROM live_nodes n WHERE ${match} ${box} LIMIT ${NEARBY_POOL}),
      candidates AS (
        SELECT seq FROM pool ORDER BY location <-> ${near} LIMIT ${NODE_CANDIDATES})`
    : sql`
      candidates AS MATERIALIZED (
        SELECT n.seq FROM live_nodes n WHERE ${match} LIMIT ${NODE_CANDIDATES})`;
  return await sql<NodeRow[]>`
    WITH ${candidates}
    SELECT n.id, n.kind, n.title, n.summary, n.topics,
           ST_Y(n.location) AS lat, ST_X(n.location) AS lon
    FROM candidates c JOIN nodes n ON n.seq = c.seq
    ORDER BY ${score} ${proximity} DESC, n.seq DESC
    LIMIT ${limit}`;
}

/**
 * Full-text matches first (with `near`: those around it, then any); when they do not fill
 * the list, trigram look-alikes (typos, and compounds the stemmer cannot split: "Gärten" →
 * "Gemeinschaftsgarten") fill it up.
 */
async function searchNodes(sql: Sql, input: SearchInput): Promise<NodeHit[]> {
  const rows: NodeRow[] = [];
  const steps: Array<['words' | 'look-alike', 'around' | 'anywhere']> = input.near
    ? [
        ['words', 'around'],
        ['words', 'anywhere'],
      ]
    : [['words', 'anywhere']];
  if (input.q.length >= TRIGRAM_MIN_LENGTH) steps.push(['look-alike', 'anywhere']);
  for (const [how, scope] of steps) {
    if (rows.length >= input.limit) break;
    const seen = new Set(rows.map((r) => r.id));
    const more = await rankNodes(sql, input, how, input.limit, scope);
    rows.push(...more.filter((r) => !seen.has(r.id)).slice(0, input.limit - rows.length));
  }
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    title: r.title,
    summary: r.summary,
    topics: r.topics,
    lat: r.lat,
    lon: r.lon,
  }));
}

export async function search(sql: Sql, input: SearchInput): Promise<SearchResult> {
  const [places, nodes] = await Promise.all([searchPlaces(sql, input), searchNodes(sql, input)]);
  return { places, nodes };
}
