// How the service worker reads and answers the tRPC client's batched GET URLs
// (`/trpc/a,b?batch=1&input={"0":…,"1":…}`): a batch is split into one cache entry per call, so
// a read answered offline does not depend on which other reads happened to share its batch
// online. Only public reads whose answer is the same for every caller are kept — never a
// command, a subscription, or anything about the person (accounts.me, notifications, alerts).

/** Reads whose answer does not depend on who asks (edge: node, conversation, weaveries). */
export const cacheableReads: ReadonlySet<string> = new Set([
  'nodes.byId',
  'nodes.inBBox',
  'messages.list',
  'weaveries.list',
  'weaveries.byId',
]);

export interface BatchCall {
  path: string;
  /** A public read whose answer may be kept; the others of a mixed batch are only passed on. */
  cacheable: boolean;
  /** The call's input as JSON (`null` when it has none), the part of its cache key. */
  input: string;
}

/**
 * The calls of a batched tRPC GET, or null when the URL is not one the service worker may
 * answer (not a batch, or no call in it is a cacheable read). A batch may mix a public read
 * with one about the person (a node's detail and accounts.me leave in one request): only the
 * public read's answer is ever kept.
 */
export function cacheableBatch(url: URL): BatchCall[] | null {
  if (!url.pathname.startsWith('/trpc/') || url.searchParams.get('batch') !== '1') return null;
  const paths = decodeURIComponent(url.pathname.slice('/trpc/'.length)).split(',');
  if (!paths.some((path) => cacheableReads.has(path))) return null;
  let inputs: Record<string, unknown> = {};
  const raw = url.searchParams.get('input');
  if (raw !== null) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
      inputs = parsed as Record<string, unknown>;
    } catch {
      return null;
    }
  }
  return paths.map((path, index) => ({
    path,
    cacheable: cacheableReads.has(path),
    input: JSON.stringify(canonical(inputs[String(index)] ?? null)),
  }));
}

/** Object keys sorted, so the same input is the same key however the client ordered it. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      sorted[key] = canonical((value as Record<string, unknown>)[key]);
    }
    return sorted;
  }
  return value;
}

/** The cache key of one call: a URL of its own on this origin (never fetched). */
export function callKey(origin: string, call: BatchCall): string {
  return `${origin}/trpc-cache/${call.path}?input=${encodeURIComponent(call.input)}`;
}

/** The entries of a batch answer that are results (errors are never kept). */
export function resultsOf(body: unknown, calls: readonly BatchCall[]): Array<unknown | null> {
  if (!Array.isArray(body) || body.length !== calls.length) return calls.map(() => null);
  return body.map((entry, index) =>
    calls[index]?.cacheable &&
    entry &&
    typeof entry === 'object' &&
    'result' in entry &&
    !('error' in entry)
      ? entry
      : null,
  );
}

/** What a call answered offline and not kept says: the same shape as the edge's errors. */
export function offlineEntry(path: string): unknown {
  return {
    error: {
      message: 'Offline: dies wurde noch nicht gespeichert.',
      code: -32603,
      data: {
        code: 'SERVICE_UNAVAILABLE',
        domainCode: 'OFFLINE_NOT_CACHED',
        httpStatus: 503,
        path,
        requestId: null,
      },
    },
  };
}

/** A batch answer from kept entries; null when none of the calls is kept (a plain network error then). */
export function composeBatch(
  calls: readonly BatchCall[],
  kept: ReadonlyArray<unknown | null>,
): { status: number; body: unknown[] } | null {
  if (kept.every((entry) => entry === null)) return null;
  const body = calls.map((call, index) => kept[index] ?? offlineEntry(call.path));
  return { status: kept.every((entry) => entry !== null) ? 200 : 207, body };
}
