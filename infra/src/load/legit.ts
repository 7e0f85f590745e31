// Browser-like visitors through the front door: the page, the tile catalog and vector
// tiles, tRPC queries and live SSE subscriptions, paced like people and counted by status.
// Every answer that is not 2xx/304, every network error and every SSE stream that breaks is
// an error: what a visitor would see as "part of the map could not be loaded".

export interface LegitTally {
  requests: number;
  statuses: Record<string, number>;
  /** Network-level failures (connection reset, closed, refused) by message. */
  failures: Record<string, number>;
  sseOpened: number;
  sseEvents: number;
  /** SSE streams that ended or failed while they should have stayed open. */
  sseBroken: number;
  /** Examples of bad answers, for the report. */
  samples: string[];
}

export function newTally(): LegitTally {
  return {
    requests: 0,
    statuses: {},
    failures: {},
    sseOpened: 0,
    sseEvents: 0,
    sseBroken: 0,
    samples: [],
  };
}

export function errorCount(t: LegitTally): number {
  let n = t.sseBroken;
  for (const [status, count] of Object.entries(t.statuses)) {
    const code = Number(status);
    if (!(code >= 200 && code < 300) && code !== 304) n += count;
  }
  for (const count of Object.values(t.failures)) n += count;
  return n;
}

export function fiveHundreds(t: LegitTally): number {
  let n = 0;
  for (const [status, count] of Object.entries(t.statuses)) if (Number(status) >= 500) n += count;
  return n;
}

const HAMBURG = { west: 9.8, south: 53.45, east: 10.2, north: 53.65 };

/** Web-mercator tile column/row of a point. */
function tileOf(lon: number, lat: number, z: number): [number, number] {
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const rad = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n);
  return [x, y];
}

async function record(t: LegitTally, what: string, run: () => Promise<Response>) {
  t.requests++;
  try {
    const response = await run();
    // Read the body to the end: a cut-off body is a failure the visitor would see too.
    await response.arrayBuffer();
    t.statuses[response.status] = (t.statuses[response.status] ?? 0) + 1;
    if (response.status >= 400 && t.samples.length < 20)
      t.samples.push(`${what} → ${response.status}`);
    return response;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    t.failures[message] = (t.failures[message] ?? 0) + 1;
    if (t.samples.length < 20) t.samples.push(`${what} → ${message}`);
    return null;
  }
}

/** Every tile at zoom 11–13 over central Hamburg (about 40). */
const TILES: Array<[number, number, number]> = (() => {
  const out: Array<[number, number, number]> = [];
  for (const z of [11, 12, 13]) {
    const [x0, y0] = tileOf(9.9, 53.6, z);
    const [x1, y1] = tileOf(10.1, 53.5, z);
    for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) out.push([z, x, y]);
  }
  return out;
})();

export interface VisitorOptions {
  base: string;
  until: () => boolean;
  tally: LegitTally;
  /** Pause between two steps of one visitor. */
  pauseMs: () => number;
}

/**
 * One visitor: opens the page, reads the catalog and TileJSON, then keeps panning (tiles
 * around Hamburg at zoom 10–14) and asking tRPC queries until `until()` says stop.
 */
export async function visitor(opts: VisitorOptions) {
  const { base, tally } = opts;
  const headers = { 'accept-encoding': 'gzip, zstd' };
  await record(tally, 'GET /', () => fetch(`${base}/`, { headers }));
  const catalog = await record(tally, 'GET /tiles/catalog', () =>
    fetch(`${base}/tiles/catalog`, { headers }),
  );
  void catalog;
  let step = 0;
  while (!opts.until()) {
    step++;
    // A bounded area (as a person panning around one city): after a warm-up every tile
    // has been asked once, so a growing tile cache is not mistaken for a leak in the soak.
    const [z, x, y] = TILES[(step + Math.floor(Math.random() * TILES.length)) % TILES.length]!;
    const source = step % 2 === 0 ? 'nodes' : 'basemap';
    await record(tally, `GET /tiles/${source}/${z}/${x}/${y}.mvt`, () =>
      fetch(`${base}/tiles/${source}/${z}/${x}/${y}.mvt`, { headers }),
    );
    if (step % 3 === 0) {
      await record(tally, 'GET /trpc/weaveries.list', () =>
        fetch(`${base}/trpc/weaveries.list`, { headers }),
      );
    }
    if (step % 4 === 0) {
      const input = encodeURIComponent(JSON.stringify({ 0: HAMBURG }));
      await record(tally, 'GET /trpc/nodes.inBBox?batch=1', () =>
        fetch(`${base}/trpc/nodes.inBBox?batch=1&input=${input}`, { headers }),
      );
    }
    if (step % 10 === 0) await record(tally, 'GET /', () => fetch(`${base}/`, { headers }));
    await Bun.sleep(opts.pauseMs());
  }
}

/**
 * One open map's live feed: an SSE subscription (tRPC live.changes) held open until
 * `until()`; it must say "subscribed" and then stay open (pings every 15 s keep it alive).
 */
export async function liveFeed(base: string, until: () => boolean, tally: LegitTally) {
  const controller = new AbortController();
  const input = encodeURIComponent(JSON.stringify(HAMBURG));
  const url = `${base}/trpc/live.changes?input=${input}`;
  const stopper = (async () => {
    while (!until()) await Bun.sleep(200);
    controller.abort();
  })();
  tally.requests++;
  try {
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream' },
      signal: controller.signal,
    });
    tally.statuses[response.status] = (tally.statuses[response.status] ?? 0) + 1;
    if (!response.ok || !response.body) {
      if (tally.samples.length < 20) tally.samples.push(`SSE live.changes → ${response.status}`);
      tally.sseBroken++;
      return;
    }
    tally.sseOpened++;
    const decoder = new TextDecoder();
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const text = decoder.decode(value, { stream: true });
      tally.sseEvents += text.split('\n\n').length - 1;
    }
    // The stream ended although nobody stopped it.
    if (!until()) {
      tally.sseBroken++;
      if (tally.samples.length < 20) tally.samples.push('SSE live.changes ended early');
    }
  } catch (error) {
    if (!until()) {
      tally.sseBroken++;
      const message = error instanceof Error ? error.message : String(error);
      if (tally.samples.length < 20) tally.samples.push(`SSE live.changes → ${message}`);
    }
  } finally {
    await stopper;
  }
}
