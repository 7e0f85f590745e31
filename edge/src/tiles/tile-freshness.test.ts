// Tiles stay fresh on every instance: two edge instances share one database, each with its own
// cache and NATS consumer. Commands go through the first; the second has cached the tiles
// before and must show the change on its own: detail zooms right after the event, rollup zooms
// once the real hex-rollup worker has counted it. One test per event kind; polls, never timings.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { accessTokenFor } from '@weltgewebe/infra/testing';
import { createLogger } from '@weltgewebe/kit';
import { latLngToCell } from 'h3-js';
import { purgeStream } from '../../../core/src/workers/worker-testing.ts';
import { type RunningWorkers, startWorkers } from '../../../core/src/workers/workers.ts';
import type { DecodedFeature } from '../testing/decode-mvt.ts';
import { type EdgeHarness, startEdgeHarness } from '../testing/edge-harness.ts';
import { eventually, featuresAt, type LatLon, type Request } from './tile-testing.ts';

// Real services start in the first hook; polls wait for workers: room on a busy machine.
setDefaultTimeout(60_000);

/** Poll bounds, generous for a busy 2-core machine (the contract is 1 s and 10 s). */
const DETAIL_MS = 5_000;
const ROLLUP_MS = 20_000;

let h: EdgeHarness;
let other: Awaited<ReturnType<EdgeHarness['startInstance']>>;
let workers: RunningWorkers;
const startTheWorkers = () =>
  startWorkers({
    sql: h.core.sql,
    nc: h.core.nc,
    js: h.core.js,
    log: createLogger('workers', { sink: () => {} }),
    sweepIntervalMs: 300,
  });
let weaver: ReturnType<EdgeHarness['client']>;
let reader: ReturnType<EdgeHarness['client']>;
let admin: ReturnType<EdgeHarness['client']>;
let instances: Array<{ name: string; request: Request }>;

beforeAll(async () => {
  h = await startEdgeHarness();
  await purgeStream(h.core.nc);
  await h.core.relay.start();
  workers = await startTheWorkers();
  other = await h.startInstance();
  instances = [
    { name: 'first', request: h.request },
    { name: 'second', request: other.request },
  ];
  weaver = h.client(await accessTokenFor('weaver'));
  reader = h.client(await accessTokenFor('reader'));
  admin = h.client(await accessTokenFor('admin'));
  await eventually(
    async () => workers.ready(),
    (ready) => ready,
    10_000,
  );
});
afterAll(async () => {
  await workers.stop();
  await h.stop();
});

const op = () => crypto.randomUUID();
const ids = (fs: DecodedFeature[]) => fs.map((f) => f.properties.id);
const cellHex = (p: LatLon, res: number) => latLngToCell(p.lat, p.lon, res);

/** Polls every instance until `ok` holds for what it serves; returns the last look of each. */
async function onEveryInstance(
  look: (request: Request) => Promise<DecodedFeature[]>,
  ok: (fs: DecodedFeature[]) => boolean,
  ms: number,
) {
  for (const instance of instances) {
    const seen = await eventually(() => look(instance.request), ok, ms);
    expect({ instance: instance.name, ok: ok(seen) }).toEqual({
      instance: instance.name,
      ok: true,
    });
  }
}

/** Caches the tile on every instance now (so a stale copy would be served). */
async function warm(look: (request: Request) => Promise<DecodedFeature[]>) {
  for (const instance of instances) await look(instance.request);
}

const clusterCount = (fs: DecodedFeature[], cell: string, field = 'count') =>
  (fs.find((f) => f.properties.cell === cell)?.properties[field] as number | undefined) ?? 0;

describe('nodes', () => {
  const bremen = { lat: 53.0793, lon: 8.8017 };
  const moved = { lat: 53.0945, lon: 8.8461 }; // another z14 tile and res-7 cell
  let nodeId: string;

  test('node.created: points, filtered and composite tiles at once; clusters and hexagons after the worker', async () => {
    const detail = (r: Request) => featuresAt(r, 'nodes', bremen, 14);
    const filtered = (r: Request) => featuresAt(r, 'nodes', bremen, 14, '?kinds=place');
    const composite = (r: Request) => featuresAt(r, 'weaveries,nodes', bremen, 14);
    const clusters = (r: Request) => featuresAt(r, 'nodes', bremen, 6);
    const hexes = (r: Request) => featuresAt(r, 'hex', bremen, 3);
    for (const look of [detail, filtered, composite, clusters, hexes]) await warm(look);
    const cell5 = cellHex(bremen, 5);
    const cell3 = cellHex(bremen, 3);
    const before5 = clusterCount(await clusters(other.request), cell5);
    const before3 = clusterCount(await hexes(other.request), cell3, 'nodes');

    const node = await weaver.nodes.create.mutate({
      operationId: op(),
      kind: 'place',
      title: 'Tauschregal Bremen',
      ...bremen,
    });
    nodeId = node.id;
    for (const look of [detail, filtered, composite]) {
      await onEveryInstance(look, (fs) => ids(fs).includes(node.id), DETAIL_MS);
    }
    await onEveryInstance(clusters, (fs) => clusterCount(fs, cell5) === before5 + 1, ROLLUP_MS);
    await onEveryInstance(
      hexes,
      (fs) => clusterCount(fs, cell3, 'nodes') === before3 + 1,
      ROLLUP_MS,
    );
  });

  test('node.updated: a moved node leaves its old tiles and cells, its threads follow it', async () => {
    // A thread to it, so its line must move too.
    await reader.accounts.setLocation.mutate({ mapState: 'exact', lat: 53.07, lon: 8.79 });
    await reader.threads.spin.mutate({ nodeId });
    const oldDetail = (r: Request) => featuresAt(r, 'nodes', bremen, 14);
    const newDetail = (r: Request) => featuresAt(r, 'nodes', moved, 14);
    const newCluster = (r: Request) => featuresAt(r, 'nodes', moved, 8);
    // The reader, the node and where it moves to lie in one z12 tile.
    const lines = (r: Request) => featuresAt(r, 'threads', bremen, 12);
    const lineEnd = (fs: DecodedFeature[]) => {
      const line = fs.find((f) => f.properties.node_id === nodeId);
      const coords = line?.geometry.coordinates as [number, number][] | undefined;
      return coords?.[coords.length - 1];
    };
    await onEveryInstance(lines, (fs) => !!lineEnd(fs), DETAIL_MS);
    for (const look of [oldDetail, newDetail, newCluster, lines]) await warm(look);

    await weaver.nodes.update.mutate({
      id: nodeId,
      expectedVersion: 1,
      operationId: op(),
      lat: moved.lat,
      lon: moved.lon,
    });
    await onEveryInstance(oldDetail, (fs) => !ids(fs).includes(nodeId), DETAIL_MS);
    await onEveryInstance(newDetail, (fs) => ids(fs).includes(nodeId), DETAIL_MS);
    await onEveryInstance(
      lines,
      (fs) => {
        const end = lineEnd(fs);
        return !!end && Math.abs(end[0] - moved.lon) < 1e-3 && Math.abs(end[1] - moved.lat) < 1e-3;
      },
      DETAIL_MS,
    );
    const cell7 = cellHex(moved, 7);
    await onEveryInstance(newCluster, (fs) => clusterCount(fs, cell7) >= 1, ROLLUP_MS);
  });

  test('node.removed: gone from points, its threads and (after the worker) its hexagon', async () => {
    const detail = (r: Request) => featuresAt(r, 'nodes', moved, 14);
    const hexes = (r: Request) => featuresAt(r, 'hex', moved, 8);
    const lines = (r: Request) => featuresAt(r, 'threads', moved, 12);
    const cell7 = cellHex(moved, 7);
    await onEveryInstance(hexes, (fs) => clusterCount(fs, cell7, 'nodes') >= 1, ROLLUP_MS);
    for (const look of [detail, hexes, lines]) await warm(look);
    const before = clusterCount(await hexes(other.request), cell7, 'nodes');
    await weaver.nodes.remove.mutate({ id: nodeId, expectedVersion: 2, operationId: op() });
    await onEveryInstance(detail, (fs) => !ids(fs).includes(nodeId), DETAIL_MS);
    await onEveryInstance(
      lines,
      (fs) => !fs.some((f) => f.properties.node_id === nodeId),
      DETAIL_MS,
    );
    await onEveryInstance(
      hexes,
      (fs) => clusterCount(fs, cell7, 'nodes') === before - 1,
      ROLLUP_MS,
    );
  });
});

describe('accounts and threads', () => {
  const hannover = { lat: 52.3759, lon: 9.732 };
  const kassel = { lat: 51.3127, lon: 9.4797 };
  const garden = { lat: 52.3801, lon: 9.7402 };
  let me: string;
  let gardenId: string;

  const accountsAt = (p: LatLon, z: number) => (r: Request) => featuresAt(r, 'accounts', p, z);
  const linesAt = (r: Request) => featuresAt(r, 'threads', hannover, 12);
  const myLine = (fs: DecodedFeature[]) => fs.find((f) => f.properties.account_id === me);

  beforeAll(async () => {
    me = (await reader.accounts.me.query()).id;
    gardenId = (
      await weaver.nodes.create.mutate({
        operationId: op(),
        kind: 'project',
        title: 'Stadtgarten',
        ...garden,
      })
    ).id;
  });

  test('account.located: the account appears at its public point, then moves with its threads', async () => {
    await warm(accountsAt(hannover, 14));
    await reader.accounts.setLocation.mutate({ mapState: 'exact', ...hannover });
    await onEveryInstance(accountsAt(hannover, 14), (fs) => ids(fs).includes(me), DETAIL_MS);
    await reader.threads.spin.mutate({ nodeId: gardenId });
    await onEveryInstance(linesAt, (fs) => !!myLine(fs), DETAIL_MS);

    const cluster = (p: LatLon) => accountsAt(p, 6);
    const wide = (r: Request) => featuresAt(r, 'threads', hannover, 6);
    for (const look of [accountsAt(hannover, 14), accountsAt(kassel, 14), wide]) await warm(look);
    // Both cities lie in one z6 tile, where lines carry no ids: find the line by its ends.
    const startsAt = (fs: DecodedFeature[], p: LatLon) =>
      fs.some((f) => {
        const line = f.geometry.coordinates as [number, number][];
        const [start, end] = [line[0]!, line[line.length - 1]!];
        return (
          Math.abs(start[0] - p.lon) < 0.01 &&
          Math.abs(start[1] - p.lat) < 0.01 &&
          Math.abs(end[0] - garden.lon) < 0.01 &&
          Math.abs(end[1] - garden.lat) < 0.01
        );
      });
    expect(startsAt(await wide(other.request), hannover)).toBe(true);
    await onEveryInstance(
      cluster(hannover),
      (fs) => fs.some((f) => f.properties.cell === cellHex(hannover, 5)),
      ROLLUP_MS,
    );
    await warm(cluster(kassel));

    await reader.accounts.setLocation.mutate({ mapState: 'exact', ...kassel });
    await onEveryInstance(accountsAt(hannover, 14), (fs) => !ids(fs).includes(me), DETAIL_MS);
    await onEveryInstance(accountsAt(kassel, 14), (fs) => ids(fs).includes(me), DETAIL_MS);
    // The line now starts in Kassel.
    await onEveryInstance(wide, (fs) => startsAt(fs, kassel) && !startsAt(fs, hannover), DETAIL_MS);
    await onEveryInstance(
      cluster(kassel),
      (fs) => fs.some((f) => f.properties.cell === cellHex(kassel, 5)),
      ROLLUP_MS,
    );
  });

  test('account.hidden: the account and its lines leave the map', async () => {
    await reader.accounts.setLocation.mutate({ mapState: 'exact', ...hannover });
    await onEveryInstance(linesAt, (fs) => !!myLine(fs), DETAIL_MS);
    await onEveryInstance(accountsAt(hannover, 14), (fs) => ids(fs).includes(me), DETAIL_MS);
    await reader.accounts.hide.mutate();
    await onEveryInstance(accountsAt(hannover, 14), (fs) => !ids(fs).includes(me), DETAIL_MS);
    await onEveryInstance(linesAt, (fs) => !myLine(fs), DETAIL_MS);
  });

  test('thread.spun and thread.renewed: the line appears, a renewal restores its strength', async () => {
    await admin.accounts.setLocation.mutate({ mapState: 'exact', lat: 52.372, lon: 9.735 });
    const adminId = (await admin.accounts.me.query()).id;
    const adminLine = (fs: DecodedFeature[]) => fs.find((f) => f.properties.account_id === adminId);
    const hexes = (r: Request) => featuresAt(r, 'hex', garden, 8);
    const cell7 = cellHex(garden, 7);
    await onEveryInstance(hexes, (fs) => clusterCount(fs, cell7, 'nodes') >= 1, ROLLUP_MS);
    for (const look of [linesAt, hexes]) await warm(look);
    const threadsBefore = clusterCount(await hexes(other.request), cell7, 'threads');

    const spun = await admin.threads.spin.mutate({ nodeId: gardenId });
    await onEveryInstance(linesAt, (fs) => !!adminLine(fs), DETAIL_MS);
    await onEveryInstance(
      hexes,
      (fs) => clusterCount(fs, cell7, 'threads') === threadsBefore + 1,
      ROLLUP_MS,
    );

    // Half its life gone (straight in the table, no event): both instances re-read it.
    await h.core.sql`UPDATE threads SET spun_at = now() - interval '84 hours',
      expires_at = now() + interval '84 hours' WHERE id = ${spun.id}`;
    h.edge.tiles.cache.clear();
    other.edge.tiles.cache.clear();
    await onEveryInstance(
      linesAt,
      (fs) => Math.abs((adminLine(fs)?.properties.strength as number) - 0.5) < 0.01,
      DETAIL_MS,
    );
    await admin.threads.spin.mutate({ nodeId: gardenId });
    await onEveryInstance(
      linesAt,
      (fs) => (adminLine(fs)?.properties.strength as number) > 0.99,
      DETAIL_MS,
    );
  });

  test('thread.expired: the sweeper expires a thread and the line leaves the cached tiles', async () => {
    const adminId = (await admin.accounts.me.query()).id;
    const adminLine = (fs: DecodedFeature[]) => fs.find((f) => f.properties.account_id === adminId);
    await onEveryInstance(linesAt, (fs) => !!adminLine(fs), DETAIL_MS);
    // Cached while it still had days to live; now it runs out in a moment. Only the
    // sweeper's thread.expired can tell the cached tiles.
    await warm(linesAt);
    await h.core
      .sql`UPDATE threads SET spun_at = now() - interval '168 hours' + interval '1 second',
      expires_at = now() + interval '1 second'
      WHERE account_id = ${adminId} AND node_id = ${gardenId} AND expired_at IS NULL`;
    await onEveryInstance(linesAt, (fs) => !adminLine(fs), ROLLUP_MS);
    const [row] = await h.core.sql<{ expired: boolean }[]>`
      SELECT expired_at IS NOT NULL AS expired FROM threads
       WHERE account_id = ${adminId} AND node_id = ${gardenId} ORDER BY spun_at DESC LIMIT 1`;
    expect(row!.expired).toBe(true);
  });
});

describe('weaveries', () => {
  const square = (lon: number, lat: number, d: number): [number, number][] => [
    [lon - d, lat - d],
    [lon + d, lat - d],
    [lon + d, lat + d],
    [lon - d, lat + d],
    [lon - d, lat - d],
  ];
  const kiel = { lat: 54.3233, lon: 10.1228 };
  const luebeck = { lat: 53.8655, lon: 10.6866 };
  let weaveryId: string;
  const areasAt = (p: LatLon, z: number) => (r: Request) => featuresAt(r, 'weaveries', p, z);

  test('weavery.created: the area appears at every zoom', async () => {
    for (const z of [3, 9, 13]) await warm(areasAt(kiel, z));
    await warm((r) => featuresAt(r, 'nodes,weaveries', kiel, 9));
    const w = await admin.weaveries.create.mutate({
      name: 'Ortsweberei Kiel',
      slug: 'kiel',
      area: { type: 'Polygon', coordinates: [square(kiel.lon, kiel.lat, 0.02)] },
    });
    weaveryId = w.id;
    for (const z of [3, 9, 13]) {
      await onEveryInstance(areasAt(kiel, z), (fs) => ids(fs).includes(w.id), DETAIL_MS);
    }
    await onEveryInstance(
      (r) => featuresAt(r, 'nodes,weaveries', kiel, 9),
      (fs) => ids(fs).includes(w.id),
      DETAIL_MS,
    );
  });

  test('weavery.changed: a moved area leaves the tiles of its old box', async () => {
    for (const look of [areasAt(kiel, 9), areasAt(luebeck, 9)]) await warm(look);
    await admin.weaveries.change.mutate({
      id: weaveryId,
      expectedVersion: 1,
      area: { type: 'Polygon', coordinates: [square(luebeck.lon, luebeck.lat, 0.02)] },
    });
    await onEveryInstance(areasAt(kiel, 9), (fs) => !ids(fs).includes(weaveryId), DETAIL_MS);
    await onEveryInstance(areasAt(luebeck, 9), (fs) => ids(fs).includes(weaveryId), DETAIL_MS);
  });
});

describe('exactness', () => {
  test('a change drops only the tiles it touches; tiles elsewhere stay cached', async () => {
    const muenchen = { lat: 48.1374, lon: 11.5755 };
    const rostock = { lat: 54.0924, lon: 12.0991 };
    const cache = other.edge.tiles.cache;
    const keep = (r: Request) => featuresAt(r, 'nodes', rostock, 14);
    await keep(other.request);
    const hitsBefore = cache.hits;
    const node = await weaver.nodes.create.mutate({
      operationId: op(),
      kind: 'place',
      title: 'Bücherschrank',
      ...muenchen,
    });
    await onEveryInstance(
      (r) => featuresAt(r, 'nodes', muenchen, 14),
      (fs) => ids(fs).includes(node.id),
      DETAIL_MS,
    );
    // The Rostock tile is still served from this instance's cache: nothing cleared it.
    const missesBefore = cache.misses;
    await keep(other.request);
    expect(cache.misses).toBe(missesBefore);
    expect(cache.hits).toBeGreaterThan(hitsBefore);
  });
});

describe('rollup lag', () => {
  test('a low-zoom tile cached before the worker counted the change still catches up', async () => {
    const erfurt = { lat: 50.9848, lon: 11.0299 };
    const cell5 = cellHex(erfurt, 5);
    const clusters = (r: Request) => featuresAt(r, 'nodes', erfurt, 6);
    const before = clusterCount(await clusters(other.request), cell5);
    // The worker is late: the event reaches the edge long before the rollups change.
    await workers.stop();
    const node = await weaver.nodes.create.mutate({
      operationId: op(),
      kind: 'event',
      title: 'Stadtteilfest',
      startsAt: new Date(Date.now() + 86_400_000).toISOString(),
      ...erfurt,
    });
    await onEveryInstance(
      (r) => featuresAt(r, 'nodes', erfurt, 14),
      (fs) => ids(fs).includes(node.id),
      DETAIL_MS,
    );
    // Rendered and cached from the old rollups, after the event was handled.
    for (const instance of instances) {
      expect(clusterCount(await clusters(instance.request), cell5)).toBe(before);
    }
    workers = await startTheWorkers();
    // No further event comes: the instances re-read their rollup tiles while the worker catches up.
    await onEveryInstance(clusters, (fs) => clusterCount(fs, cell5) === before + 1, ROLLUP_MS);
  });
});
