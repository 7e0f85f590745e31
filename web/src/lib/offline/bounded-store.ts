// A Cache API store with limits: at most so many entries and bytes, the least recently used
// dropped first (LruIndex). Each stored copy carries its size and when it was last used, so the
// order survives the service worker being stopped and started again (as far as the last put).
// Used by the service worker for tiles/glyphs and for public tRPC reads; the page reads the
// same headers to show how much is kept.
import { LruIndex, type LruLimits } from './lru-index';

export const BYTES_HEADER = 'x-wg-bytes';
const USED_HEADER = 'x-wg-used';
/** Headers that describe the network's encoding of a body the copy no longer has. */
const DROPPED_HEADERS = ['content-encoding', 'content-length', 'transfer-encoding', 'set-cookie'];

export class BoundedStore {
  readonly #index: LruIndex;
  #loaded: Promise<void> | null = null;

  constructor(
    readonly name: string,
    limits: LruLimits,
  ) {
    this.#index = new LruIndex(limits);
  }

  /** Rebuilds the index from what the cache holds (once per service worker start). */
  #load(): Promise<void> {
    this.#loaded ??= (async () => {
      const cache = await caches.open(this.name);
      const found: Array<{ key: string; bytes: number; used: number }> = [];
      for (const request of await cache.keys()) {
        const response = await cache.match(request);
        if (!response) continue;
        found.push({
          key: request.url,
          bytes: Number(response.headers.get(BYTES_HEADER)) || 0,
          used: Number(response.headers.get(USED_HEADER)) || 0,
        });
      }
      found.sort((a, b) => a.used - b.used);
      for (const entry of found) {
        for (const key of this.#index.put(entry.key, entry.bytes)) await cache.delete(key);
      }
    })();
    return this.#loaded;
  }

  async get(key: string): Promise<Response | undefined> {
    await this.#load();
    const cache = await caches.open(this.name);
    const response = await cache.match(key);
    if (response) this.#index.touch(key);
    else this.#index.remove(key);
    return response;
  }

  /** Keeps a copy of a response's body under `key` and drops what is over the limits. */
  async put(key: string, response: Response): Promise<void> {
    await this.#load();
    const body = await response.arrayBuffer();
    const headers = new Headers(response.headers);
    for (const name of DROPPED_HEADERS) headers.delete(name);
    headers.set(BYTES_HEADER, String(body.byteLength));
    headers.set(USED_HEADER, String(Date.now()));
    const cache = await caches.open(this.name);
    // An empty tile may come as 204: such a status must not be given a body, even an empty one.
    const empty = response.status === 204 || response.status === 205;
    await cache.put(key, new Response(empty ? null : body, { status: response.status, headers }));
    for (const dropped of this.#index.put(key, body.byteLength)) await cache.delete(dropped);
  }

  async delete(key: string): Promise<void> {
    await this.#load();
    this.#index.remove(key);
    await (await caches.open(this.name)).delete(key);
  }

  async clear(): Promise<void> {
    await caches.delete(this.name);
    this.#index.clear();
    this.#loaded = null;
  }

  async usage(): Promise<{ entries: number; bytes: number }> {
    await this.#load();
    return { entries: this.#index.size, bytes: this.#index.bytes };
  }
}
