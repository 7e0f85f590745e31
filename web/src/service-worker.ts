/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
// The service worker: the last viewed area stays usable without a network.
// - App shell (built JS/CSS, icons, manifest): precached per release, served from the cache.
// - The map page: network first, the last copy of `/` as the offline page (dropped at sign-out).
// - Tiles, TileJSON, the catalog, glyphs and the GeoJSON basemap: network first, a copy kept in
//   a bounded store (LRU, 800 entries / 40 MB), answered from it when the network is away.
// - Public tRPC reads (node, conversation, weaveries): each call of a batched GET kept on its
//   own (trpc-batch.ts), so a read offline is answered whatever it was batched with.
// Never touched: anything but GET, other origins, /auth, commands and the live stream. Reads
// about the person (accounts.me, notifications, alerts) are never kept: alone they are not
// touched; in a batch with a public read they are passed on and, offline, answered "not kept".

import { BoundedStore } from '$lib/offline/bounded-store';
import {
  type BatchCall,
  cacheableBatch,
  callKey,
  composeBatch,
  resultsOf,
} from '$lib/offline/trpc-batch';
import { build, files, version } from '$service-worker';

const sw = self as unknown as ServiceWorkerGlobalScope;

const SHELL = `shell-${version}`;
const PAGES = 'wg-pages';
const tiles = new BoundedStore('wg-tiles', { maxEntries: 800, maxBytes: 40 * 1024 * 1024 });
const reads = new BoundedStore('wg-reads', { maxEntries: 1500, maxBytes: 8 * 1024 * 1024 });
const shellAssets = new Set([...build, ...files]);
/** Caches of earlier versions of this worker. */
const RETIRED = ['pages-v1', 'tiles-v1'];

sw.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((cache) => cache.addAll([...shellAssets]))
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if ((key.startsWith('shell-') && key !== SHELL) || RETIRED.includes(key)) {
          await caches.delete(key);
        }
      }
      await sw.clients.claim();
    })(),
  );
});

/** Tile URLs carry a per-page cache buster (?v=); the key leaves it out. */
function assetKey(url: URL): string {
  const key = new URL(url);
  key.searchParams.delete('v');
  return key.toString();
}

function isMapAsset(url: URL): boolean {
  const path = url.pathname;
  return (
    (path.startsWith('/tiles/') && (path.endsWith('.mvt') || path.endsWith('.json'))) ||
    path === '/tiles/catalog' ||
    path.startsWith('/glyphs/') ||
    path === '/basemap/countries.geojson'
  );
}

/**
 * The network's answer read whole, handed to the page as a new Response. Not `clone()`: a teed
 * body is pumped by this worker's own thread, and in the browser test a node's detail read then
 * reached the page only ~18 s after its headers (the stall an earlier attempt ran into).
 */
async function buffered(response: Response): Promise<{ body: ArrayBuffer; copy: () => Response }> {
  const body = await response.arrayBuffer();
  const headers = new Headers(response.headers);
  for (const name of ['content-encoding', 'content-length', 'transfer-encoding'])
    headers.delete(name);
  const empty = response.status === 204 || response.status === 205;
  const init = { status: response.status, statusText: response.statusText, headers };
  return { body, copy: () => new Response(empty ? null : body.slice(0), init) };
}

/** A server that answered but could not serve (edge or Caddy away) is as good as no network. */
const unavailable = (response: Response) => response.status >= 502 && response.status <= 504;

async function mapAsset(event: FetchEvent, url: URL): Promise<Response> {
  const key = assetKey(url);
  try {
    const response = await fetch(event.request);
    if (response.ok && response.type === 'basic') {
      const answer = await buffered(response);
      event.waitUntil(tiles.put(key, answer.copy()).catch(() => {}));
      return answer.copy();
    }
    if (unavailable(response)) return (await tiles.get(key)) ?? response;
    return response;
  } catch (error) {
    const kept = await tiles.get(key);
    if (kept) return kept;
    throw error;
  }
}

async function keepReads(text: string, calls: readonly BatchCall[]): Promise<void> {
  const body: unknown = JSON.parse(text);
  const results = resultsOf(body, calls);
  for (const [index, call] of calls.entries()) {
    const key = callKey(sw.location.origin, call);
    const result = results[index];
    if (result) {
      await reads.put(
        key,
        new Response(JSON.stringify(result), { headers: { 'content-type': 'application/json' } }),
      );
    } else if (call.cacheable && Array.isArray(body) && isGone(body[index])) {
      // A node removed or hidden since: it must not come back from the cache.
      await reads.delete(key);
    }
  }
}

function isGone(entry: unknown): boolean {
  const code = (entry as { error?: { data?: { code?: unknown } } } | null)?.error?.data?.code;
  return code === 'NOT_FOUND';
}

async function keptReads(calls: readonly BatchCall[]): Promise<Response | null> {
  const kept = await Promise.all(
    calls.map(async (call) => {
      if (!call.cacheable) return null;
      const response = await reads.get(callKey(sw.location.origin, call));
      return response ? ((await response.json()) as unknown) : null;
    }),
  );
  const composed = composeBatch(calls, kept);
  if (!composed) return null;
  return new Response(JSON.stringify(composed.body), {
    status: composed.status,
    headers: { 'content-type': 'application/json', 'x-wg-offline': '1' },
  });
}

async function trpcRead(event: FetchEvent, calls: readonly BatchCall[]): Promise<Response> {
  try {
    const response = await fetch(event.request);
    if (response.ok || response.status === 207) {
      const answer = await buffered(response);
      event.waitUntil(keepReads(new TextDecoder().decode(answer.body), calls).catch(() => {}));
      return answer.copy();
    }
    if (unavailable(response)) return (await keptReads(calls)) ?? response;
    return response;
  } catch (error) {
    const kept = await keptReads(calls);
    if (kept) return kept;
    throw error;
  }
}

async function page(request: Request, url: URL): Promise<Response> {
  const cache = await caches.open(PAGES);
  try {
    const response = await fetch(request);
    // Only the map page itself is kept (the offline page); never a redirect or an error page.
    if (response.ok && !response.redirected && url.pathname === '/') {
      await cache.put('/', response.clone());
    }
    return response;
  } catch (error) {
    const cached = (await cache.match(url.pathname)) ?? (await cache.match('/'));
    if (cached) return cached;
    throw error;
  }
}

/** What was kept of the visited map and reads: dropped at sign-out and by the person's "clear". */
async function clearKept(): Promise<void> {
  await Promise.all([caches.delete(PAGES), tiles.clear(), reads.clear()]);
}

sw.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (url.origin !== sw.location.origin) return;
  if (request.method === 'POST' && url.pathname === '/auth/logout') {
    // The page of a signed-in person and what they read stay no longer than their session.
    event.waitUntil(clearKept());
    return;
  }
  if (request.method !== 'GET' || url.pathname.startsWith('/auth/')) return;

  if (shellAssets.has(url.pathname)) {
    event.respondWith(
      caches.open(SHELL).then(async (cache) => (await cache.match(url.pathname)) ?? fetch(request)),
    );
    return;
  }
  if (isMapAsset(url)) {
    event.respondWith(mapAsset(event, url));
    return;
  }
  const calls = cacheableBatch(url);
  if (calls) {
    event.respondWith(trpcRead(event, calls));
    return;
  }
  if (request.mode === 'navigate') event.respondWith(page(request, url));
});

/** The page asks what is kept ("usage") and to clear it ("clear"); answers on the port given. */
sw.addEventListener('message', (event) => {
  const kind = (event.data as { type?: unknown } | null)?.type;
  const port = event.ports[0];
  if (kind === 'clear') {
    event.waitUntil(clearKept().then(() => port?.postMessage({ cleared: true })));
  } else if (kind === 'usage') {
    event.waitUntil(
      Promise.all([tiles.usage(), reads.usage()]).then(([t, r]) =>
        port?.postMessage({ entries: t.entries + r.entries, bytes: t.bytes + r.bytes }),
      ),
    );
  }
});
