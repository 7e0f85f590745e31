// Query filters on tiles (`?kinds=place,event&topics=food`): parsed strictly, normalised into
// a stable cache-key part. Unknown query parameters (cache busters such as `v`) are ignored.
import { NODE_KINDS, type NodeKind, TOPICS, type Topic } from '@weltgewebe/events/domain';

export { NODE_KINDS, type NodeKind, type Topic };

export interface TileFilters {
  /** Only nodes of these kinds (null: all). */
  kinds: NodeKind[] | null;
  /** Only nodes with at least one of these topics (null: all). */
  topics: Topic[] | null;
}

export const NO_FILTERS: TileFilters = { kinds: null, topics: null };
export const FILTER_NAMES = ['kinds', 'topics'] as const satisfies ReadonlyArray<keyof TileFilters>;

export type ParsedFilters = { ok: true; filters: TileFilters } | { ok: false; message: string };

function parseList<T extends string>(
  name: string,
  raw: string[],
  allowed: readonly T[],
): { ok: true; values: T[] } | { ok: false; message: string } {
  const values = raw.flatMap((r) => r.split(',')).map((v) => v.trim());
  if (values.length === 0 || values.some((v) => v === '')) {
    return { ok: false, message: `Filter ${name}: leerer Wert. Erlaubt: ${allowed.join(', ')}.` };
  }
  const bad = values.filter((v) => !(allowed as readonly string[]).includes(v));
  if (bad.length) {
    return {
      ok: false,
      // The caller's values, cut short: an error must not echo a megabyte back.
      message: `Filter ${name}: unbekannt ${shownList(bad)}. Erlaubt: ${allowed.join(', ')}.`,
    };
  }
  // Sorted and without repeats: equal filters share one cache entry.
  return { ok: true, values: [...new Set(values as T[])].sort() };
}

function shownList(values: string[]): string {
  const text = values.join(', ');
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** Filters from the query; `supported` are those the requested sources understand. */
export function parseTileFilters(
  params: URLSearchParams,
  supported: ReadonlySet<keyof TileFilters>,
): ParsedFilters {
  const filters: TileFilters = { kinds: null, topics: null };
  for (const name of FILTER_NAMES) {
    const raw = params.getAll(name);
    if (raw.length === 0) continue;
    if (!supported.has(name)) {
      return {
        ok: false,
        message: `Filter ${name} gilt für diese Kachelquelle nicht (nur für nodes und hex).`,
      };
    }
    if (name === 'kinds') {
      const parsed = parseList(name, raw, NODE_KINDS);
      if (!parsed.ok) return parsed;
      filters.kinds = parsed.values;
    } else {
      const parsed = parseList(name, raw, TOPICS);
      if (!parsed.ok) return parsed;
      filters.topics = parsed.values;
    }
  }
  return { ok: true, filters };
}

/** The filters as a cache-key part ('' when none). */
export function filtersKey(filters: TileFilters): string {
  return FILTER_NAMES.filter((n) => filters[n])
    .map((n) => `${n}=${filters[n]!.join(',')}`)
    .join('&');
}

/** Only the filters a source understands (a composite's other layers ignore the rest). */
export function filtersFor(
  filters: TileFilters,
  supported: ReadonlyArray<keyof TileFilters>,
): TileFilters {
  return {
    kinds: supported.includes('kinds') ? filters.kinds : null,
    topics: supported.includes('topics') ? filters.topics : null,
  };
}
