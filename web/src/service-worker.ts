/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
// The service worker: the app shell (built JS/CSS and static files) from the cache, pages
// network-first with the last copy as the offline fallback, and recently seen tiles kept so
// the map still shows where one has been. tRPC and auth always go to the network.
import { build, files, version } from '$service-worker';

const sw = self as unknown as ServiceWorkerGlobalScope;

const SHELL = `shell-${version}`;
const PAGES = 'pages-v1';
const TILES = 'tiles-v1';
const MAX_TILES = 600;
const shellAssets = [...build, ...files];

sw.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((cache) => cache.addAll(shellAssets))
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith('shell-') && key !== SHELL) await caches.delete(key);
      }
      await sw.clients.claim();
    })(),
  );
});

/** Tile URLs carry a per-page cache buster (?v=); the cache key leaves it out. */
function tileKey(url: URL): string {
  const key = new URL(url);
  key.searchParams.delete('v');
  return key.toString();
}

async function trimTiles(cache: Cache): Promise<void> {
  const keys = await cache.keys();
  // Oldest first (insertion order): drop what is over the limit.
  for (const request of keys.slice(0, Math.max(0, keys.length - MAX_TILES))) {
    await cache.delete(request);
  }
}

async function tile(request: Request, url: URL): Promise<Response> {
  const cache = await caches.open(TILES);
  const key = tileKey(url);
  try {
    const response = await fetch(request);
    if (response.ok) {
      await cache.delete(key);
      await cache.put(key, response.clone());
      void trimTiles(cache);
    }
    return response;
  } catch (error) {
    const cached = await cache.match(key);
    if (cached) return cached;
    throw error;
  }
}

async function page(request: Request, url: URL): Promise<Response> {
  const cache = await caches.open(PAGES);
  try {
    const response = await fetch(request);
    // Only the map page itself is kept (as the offline shell); never pages of a session's errors.
    if (response.ok && url.pathname === '/') await cache.put('/', response.clone());
    return response;
  } catch (error) {
    const cached = (await cache.match(url.pathname)) ?? (await cache.match('/'));
    if (cached) return cached;
    throw error;
  }
}

sw.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== sw.location.origin) return;
  if (url.pathname.startsWith('/trpc') || url.pathname.startsWith('/auth/')) return;

  if (shellAssets.includes(url.pathname)) {
    event.respondWith(
      caches.open(SHELL).then(async (cache) => (await cache.match(url.pathname)) ?? fetch(request)),
    );
  } else if (url.pathname.startsWith('/tiles/') && url.pathname.endsWith('.mvt')) {
    event.respondWith(tile(request, url));
  } else if (url.pathname === '/basemap/countries.geojson' || url.pathname === '/tiles/catalog') {
    event.respondWith(tile(request, url));
  } else if (request.mode === 'navigate') {
    event.respondWith(page(request, url));
  }
});
