// The tile cache on its own: exact drops by area and zoom for every source combination,
// entries that go stale by themselves, renders that overlap a change, the byte bound.
import { describe, expect, test } from 'bun:test';
import type { EventEnvelope } from '@weltgewebe/events/contracts';
import { createLogger } from '@weltgewebe/kit';
import {
  applyChanges,
  asTileEvent,
  changesFor,
  type ThreadEnds,
  TileInvalidator,
} from './invalidation.ts';
import { type CachedTile, TileCache } from './tile-cache.ts';
import { type TileCoord, tileFraction } from './tile-math.ts';

const entry = (sources: string[], bytes = 10, staleAt?: number): CachedTile => ({
  gzip: new Uint8Array(bytes),
  rawBytes: bytes,
  etag: '"x"',
  sources,
  createdAt: Date.now(),
  ...(staleAt ? { staleAt } : {}),
});

const tileAt = (lat: number, lon: number, z: number): TileCoord => {
  const { fx, fy } = tileFraction(lat, lon, z);
  return { z, x: Math.floor(fx), y: Math.floor(fy) };
};

function put(cache: TileCache, sources: string[], t: TileCoord, variant = '') {
  const key = TileCache.key(sources, t.z, t.x, t.y, variant);
  expect(cache.set(key, t, entry(sources))).toBe(true);
  return key;
}

const berlin = { lat: 52.52, lon: 13.405 };
const paris = { lat: 48.8566, lon: 2.3522 };

describe('TileCache', () => {
  test('an area drops its source at every zoom, composites and filter variants included, nothing else', () => {
    const cache = new TileCache(1 << 20);
    const keys = {
      nodes14: put(cache, ['nodes'], tileAt(berlin.lat, berlin.lon, 14)),
      nodes14Filtered: put(cache, ['nodes'], tileAt(berlin.lat, berlin.lon, 14), 'kinds=place'),
      composite3: put(cache, ['weaveries', 'nodes'], tileAt(berlin.lat, berlin.lon, 3)),
      accounts14: put(cache, ['accounts'], tileAt(berlin.lat, berlin.lon, 14)),
      parisNodes14: put(cache, ['nodes'], tileAt(paris.lat, paris.lon, 14)),
    };
    const dropped = cache.invalidateArea('nodes', {
      bbox: [berlin.lon, berlin.lat, berlin.lon, berlin.lat],
      minZoom: 0,
      maxZoom: 22,
    });
    expect(dropped).toBe(3);
    expect(cache.get(keys.nodes14)).toBeUndefined();
    expect(cache.get(keys.nodes14Filtered)).toBeUndefined();
    expect(cache.get(keys.composite3)).toBeUndefined();
    expect(cache.get(keys.accounts14)).toBeDefined();
    expect(cache.get(keys.parisNodes14)).toBeDefined();
  });

  test('a large area at detail zooms looks only at the tiles that are cached there', () => {
    const cache = new TileCache(1 << 20);
    const inside = put(cache, ['weaveries'], tileAt(51, 10, 20));
    const outside = put(cache, ['weaveries'], tileAt(40, 10, 20));
    // Germany at z20 is some 10^10 tiles: enumerating them would never end.
    expect(
      cache.invalidateArea('weaveries', { bbox: [5.9, 47.3, 15.0, 55.1], minZoom: 0, maxZoom: 22 }),
    ).toBe(1);
    expect(cache.get(inside)).toBeUndefined();
    expect(cache.get(outside)).toBeDefined();
  });

  test('the buffer: a change near a tile edge also drops the neighbour that draws it', () => {
    const cache = new TileCache(1 << 20);
    // A point just east of the edge between two z10 tiles.
    const z = 10;
    const edgeLon = (Math.floor(tileFraction(50, 8, z).fx) / 2 ** z) * 360 - 180;
    const point = { lat: 50, lon: edgeLon + 0.0001 };
    const own = tileAt(point.lat, point.lon, z);
    const west = { ...own, x: own.x - 1 };
    const far = { ...own, x: own.x - 2 };
    const [kOwn, kWest, kFar] = [own, west, far].map((t) => put(cache, ['nodes'], t));
    cache.invalidateArea('nodes', {
      bbox: [point.lon, point.lat, point.lon, point.lat],
      minZoom: z,
      maxZoom: z,
    });
    expect(cache.get(kOwn!)).toBeUndefined();
    expect(cache.get(kWest!)).toBeUndefined();
    expect(cache.get(kFar!)).toBeDefined();
  });

  test('an entry with staleAt is a miss from then on', () => {
    const cache = new TileCache(1 << 20);
    const t = { z: 12, x: 1, y: 1 };
    const key = TileCache.key(['threads'], 12, 1, 1, '');
    cache.set(key, t, entry(['threads'], 10, Date.now() + 1_000));
    expect(cache.get(key)).toBeDefined();
    expect(cache.get(key, Date.now() + 1_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  test('a render that started before a change to its tile is not stored; one elsewhere is; nothing piles up', () => {
    const cache = new TileCache(1 << 20);
    const t = tileAt(berlin.lat, berlin.lon, 14);
    const elsewhere = tileAt(paris.lat, paris.lon, 14);
    const started = cache.beginRender();
    cache.invalidateArea('nodes', {
      bbox: [berlin.lon, berlin.lat, berlin.lon, berlin.lat],
      minZoom: 0,
      maxZoom: 22,
    });
    expect(
      cache.set(TileCache.key(['nodes'], t.z, t.x, t.y, ''), t, entry(['nodes']), started),
    ).toBe(false);
    expect(
      cache.set(TileCache.key(['accounts'], t.z, t.x, t.y, ''), t, entry(['accounts']), started),
    ).toBe(true);
    const e = elsewhere;
    expect(
      cache.set(TileCache.key(['nodes'], e.z, e.x, e.y, ''), e, entry(['nodes']), started),
    ).toBe(true);
    cache.endRender(started);
    // With no render running, nothing needs remembering: a busy event stream keeps no history.
    for (let i = 0; i < 1_000; i++) {
      cache.invalidateArea('nodes', { bbox: [0, 0, 0, 0], minZoom: 0, maxZoom: 22 });
    }
    expect((cache as unknown as { changes: unknown[] }).changes.length).toBeLessThanOrEqual(1);
    // After clear() nothing rendered before it may be stored.
    const before = cache.beginRender();
    cache.clear();
    expect(
      cache.set(TileCache.key(['nodes'], e.z, e.x, e.y, ''), e, entry(['nodes']), before),
    ).toBe(false);
  });

  test('bounded by bytes: the least recently used go first', () => {
    const cache = new TileCache(100);
    const a = put(cache, ['nodes'], { z: 1, x: 0, y: 0 });
    const b = put(cache, ['nodes'], { z: 1, x: 1, y: 0 });
    cache.get(a);
    for (let i = 0; i < 9; i++) put(cache, ['hex'], { z: 2, x: i % 4, y: Math.floor(i / 4) });
    expect(cache.totalBytes).toBeLessThanOrEqual(100);
    expect(cache.get(b)).toBeUndefined();
    expect(cache.get(a)).toBeDefined();
  });
});

describe('what an event touches', () => {
  const noEnds: ThreadEnds = {
    accountsOfNode: async () => [],
    nodesOfAccount: async () => [],
  };
  /** An event as the consumer hands it over. */
  const envelope = <T extends EventEnvelope['type']>(type: T, data: unknown) =>
    asTileEvent({
      id: crypto.randomUUID(),
      type,
      occurredAt: new Date().toISOString(),
      actorId: null,
      aggregateId: crypto.randomUUID(),
      version: 1,
      data,
    } as EventEnvelope);

  test('a thread drops the tiles along its line, not a node tile; an event without tiles drops nothing', async () => {
    const cache = new TileCache(1 << 20);
    const from = { lat: 52.37, lon: 9.72 };
    const to = { lat: 52.52, lon: 13.405 };
    const between = tileAt(52.45, 11.5, 9);
    const kLine = put(cache, ['threads'], between);
    const kNodes = put(cache, ['nodes'], between);
    const kOff = put(cache, ['threads'], tileAt(48.1, 11.5, 9));
    // Below z9 the thread is part of a flow whose ends are the mean points of whole H3 cells:
    // tiles beside the line within a cell's reach go too, far ones stay.
    const kFlowBeside = put(cache, ['threads'], tileAt(51.6, 7.0, 7));
    const kFlowFar = put(cache, ['threads'], tileAt(48.1, 11.5, 7));
    const changes = await changesFor(
      envelope('thread.spun', {
        threadId: crypto.randomUUID(),
        nodeId: crypto.randomUUID(),
        accountId: crypto.randomUUID(),
        kind: 'participation',
        expiresAt: new Date().toISOString(),
        from,
        to,
      }),
      noEnds,
    );
    applyChanges(cache, changes);
    expect(cache.get(kLine)).toBeUndefined();
    expect(cache.get(kNodes)).toBeDefined();
    expect(cache.get(kOff)).toBeDefined();
    expect(cache.get(kFlowBeside)).toBeUndefined();
    expect(cache.get(kFlowFar)).toBeDefined();
    // Rollup zooms are applied again later (the worker counts the thread after the event).
    expect(changes.filter((c) => c.settles).map((c) => c.source)).toEqual(
      expect.arrayContaining(['hex']),
    );
    expect(
      await changesFor(envelope('message.posted', { messageId: crypto.randomUUID() }), noEnds),
    ).toEqual([]);
  });

  test('a node drops its points at detail zooms and its cells (with their reach) at rollup zooms', async () => {
    const cache = new TileCache(1 << 20);
    const node = { lat: 50.1109, lon: 8.6821 };
    // 160 km east: another z8 tile, beyond the reach of the node's resolution-7 cell.
    const near = { lat: 50.1109, lon: 10.9 };
    const k4 = put(cache, ['nodes'], tileAt(near.lat, near.lon, 4));
    const k8 = put(cache, ['hex'], tileAt(near.lat, near.lon, 8));
    const own8 = put(cache, ['hex'], tileAt(node.lat, node.lon, 8));
    const changes = await changesFor(
      envelope('node.created', {
        id: crypto.randomUUID(),
        kind: 'place',
        title: 'x',
        topics: [],
        location: node,
        version: 1,
      }),
      noEnds,
    );
    applyChanges(cache, changes);
    expect(cache.get(own8)).toBeUndefined();
    expect(cache.get(k8)).toBeDefined();
    // At z4 both lie in one tile: the node's own.
    expect(cache.get(k4)).toBeUndefined();
  });

  test('when the thread ends cannot be looked up, the whole cache goes (never a stale tile)', async () => {
    const cache = new TileCache(1 << 20);
    const far = put(cache, ['basemap'], tileAt(paris.lat, paris.lon, 5));
    put(cache, ['nodes'], tileAt(berlin.lat, berlin.lon, 14));
    const lines: string[] = [];
    const broken: ThreadEnds = {
      accountsOfNode: () => Promise.reject(new Error('connection lost')),
      nodesOfAccount: () => Promise.reject(new Error('connection lost')),
    };
    const invalidator = new TileInvalidator(
      cache,
      broken,
      createLogger('edge', { sink: (l) => lines.push(l) }),
      [],
    );
    const dropped = await invalidator.handle({
      type: 'node.removed',
      data: { id: crypto.randomUUID(), location: berlin },
    });
    expect({ dropped, size: cache.size, far: cache.get(far) }).toEqual({
      dropped: 2,
      size: 0,
      far: undefined,
    });
    expect(lines.join('\n')).toContain('tile invalidation failed, cache cleared');
  });
});
