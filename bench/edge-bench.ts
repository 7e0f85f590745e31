// Edge benchmark (a script, not a test): every line is a ratio measured in the same run on
// the same machine, so a shared, noisy machine still gives comparable numbers.
//   bun bench/edge-bench.ts [--db postgres://weltgewebe_owner@…/db] [--samples 40] [--seconds 8]
//                           [--only composite,issue,writes,nodes,cached] [--base <checkout>]
// `--base` names another checkout (e.g. `git archive main`) whose edge renders the issue's
// tiles beside this one, so before and after are measured in the same run.
// The database must hold a generated world (bun db/src/seed/generate.ts --size large).
// Loopback only; every loop is bounded in count and time; the edge and Caddy it starts stop
// with it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { createPool, type Sql } from '../db/src/client.ts';
import type { InBBoxInput } from '../edge/src/nodes/model.ts';
import { nodesInBBox } from '../edge/src/nodes/read-service.ts';
import { search } from '../edge/src/search/search-service.ts';
import { TILE_SOURCES } from '../edge/src/tiles/sources.ts';
import { freePort, waitForHttp } from '../infra/src/services/free-port.ts';
import { findBinary } from '../infra/src/services/system-packages.ts';

const ROOT = resolve(import.meta.dir, '..');
const { values } = parseArgs({
  options: {
    db: {
      type: 'string',
      default:
        process.env.BENCH_DATABASE_URL ?? 'postgres://weltgewebe_owner@127.0.0.1:54329/weltgewebe',
    },
    samples: { type: 'string', default: '40' },
    seconds: { type: 'string', default: '8' },
    only: { type: 'string', default: 'composite,issue,writes,nodes,cached' },
    base: { type: 'string' },
  },
});
const ONLY = new Set(values.only!.split(','));
const ownerUrl = values.db!;
const SAMPLES = Math.min(200, Math.max(5, Number(values.samples)));
const SECONDS = Math.min(30, Math.max(2, Number(values.seconds)));
const edgeUrl = (() => {
  const u = new URL(ownerUrl);
  u.username = 'weltgewebe_edge';
  u.password = '';
  return u.toString();
})();

// ---------------------------------------------------------------- helpers

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const ms = (x: number) => `${x.toFixed(1)} ms`;
const ratio = (a: number, b: number) =>
  b > 0 ? (a / b < 0.01 ? (a / b).toExponential(1) : (a / b).toFixed(2)) : 'n/a';
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const lines: string[] = [];
const report = (line: string) => {
  lines.push(line);
  console.log(line);
};

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const out = await fn();
  return [performance.now() - t, out];
}

/** Timings of the edge over HTTP and of the same work straight on a pool. */
interface Pair {
  viaEdge: number[];
  viaSql: number[];
}
const newPair = (): Pair => ({ viaEdge: [], viaSql: [] });

/** One sample of each; which goes first alternates with `i`, so both see the same caches. */
async function measurePair(
  pair: Pair,
  i: number,
  viaEdge: () => Promise<unknown>,
  viaSql: () => Promise<unknown>,
) {
  const edgeRun = async () => pair.viaEdge.push((await timed(viaEdge))[0]);
  const sqlRun = async () => pair.viaSql.push((await timed(viaSql))[0]);
  if (i % 2) {
    await edgeRun();
    await sqlRun();
  } else {
    await sqlRun();
    await edgeRun();
  }
}

const reportPair = (label: string, { viaEdge, viaSql }: Pair) =>
  report(
    `${label}: edge p50 ${ms(pct(viaEdge, 50))} p99 ${ms(pct(viaEdge, 99))}` +
      ` ÷ SQL p50 ${ms(pct(viaSql, 50))} p99 ${ms(pct(viaSql, 99))}` +
      ` = ${ratio(pct(viaEdge, 50), pct(viaSql, 50))} / ${ratio(pct(viaEdge, 99), pct(viaSql, 99))}`,
  );

/** A GET that must answer 200; its body is read in full. */
async function get(url: string, what: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  if (res.status !== 200) throw new Error(`${what}: ${res.status}`);
  await res.arrayBuffer();
}

interface Tile {
  z: number;
  x: number;
  y: number;
}
const tileOf = (lat: number, lon: number, z: number): Tile => {
  const n = 2 ** z;
  const rad = (lat * Math.PI) / 180;
  return {
    z,
    x: Math.min(n - 1, Math.floor(((lon + 180) / 360) * n)),
    y: Math.min(
      n - 1,
      Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n),
    ),
  };
};

/** Renders like the edge does, straight on a pool (old and new source signatures). */
async function renderDirect(sql: Sql, source: string, t: Tile): Promise<Uint8Array> {
  const s = TILE_SOURCES[source] as unknown as {
    render(sql: Sql, tile: Tile, filters: unknown): Promise<Uint8Array | { mvt: Uint8Array }>;
  };
  const out = await s.render(sql, t, { kinds: null, topics: null });
  return out instanceof Uint8Array ? out : out.mvt;
}

async function startEdge(cacheBytes: number, root = ROOT) {
  const port = await freePort();
  const proc = Bun.spawn([process.execPath, 'edge/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      EDGE_DATABASE_URL: edgeUrl,
      // No NATS and no core: reads only. The edge keeps serving and retries NATS quietly.
      NATS_URL: `nats://127.0.0.1:${await freePort()}`,
      CORE_URL: `http://127.0.0.1:${await freePort()}`,
      TILE_CACHE_BYTES: String(cacheBytes),
      READS_PER_MINUTE_PER_IP: '0',
      LOG_LEVEL: 'error',
    },
    stdout: 'ignore',
    stderr: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health/ready`, 30_000);
  return { url, stop: () => proc.kill() };
}

async function autocannon(url: string): Promise<number> {
  const proc = Bun.spawn(
    [
      'node',
      join(ROOT, 'edge/node_modules/autocannon/autocannon.js'),
      '-c',
      '10',
      '-d',
      String(SECONDS),
      '-H',
      'accept-encoding=gzip',
      '-j',
      url,
    ],
    { stdout: 'pipe', stderr: 'ignore' },
  );
  const out = await new Response(proc.stdout).text();
  await proc.exited;
  const result = JSON.parse(out) as {
    requests: { average: number };
    non2xx: number;
    errors: number;
  };
  if (result.non2xx || result.errors) throw new Error(`load run against ${url} had failures`);
  return result.requests.average;
}

// ---------------------------------------------------------------- the run

const owner = createPool(ownerUrl, { applicationName: 'bench-owner', max: 2 });
const direct = createPool(edgeUrl, { applicationName: 'bench-direct', max: 4 });
const started = performance.now();
const [{ nodes }] = (await owner`SELECT count(*)::int AS nodes FROM live_nodes`) as unknown as [
  { nodes: number },
];
report(
  `world: ${nodes.toLocaleString('en')} live nodes; ${SAMPLES} samples per line; ${new Date().toISOString()}`,
);

// Sample points where nodes are, spread over the table (deterministic).
const points = await owner<{ lat: number; lon: number }[]>`
  SELECT ST_Y(location) AS lat, ST_X(location) AS lon FROM nodes
  WHERE seq % ${Math.max(1, Math.floor(nodes / (SAMPLES * 20)))} = 0 ORDER BY seq LIMIT ${SAMPLES * 20}`;
const distinctTiles = (z: number) => {
  const seen = new Map<string, Tile>();
  for (const p of points) {
    const t = tileOf(p.lat, p.lon, z);
    seen.set(`${t.x}/${t.y}`, t);
    if (seen.size >= SAMPLES) break;
  }
  return [...seen.values()];
};

// ---------------------------------------------------------------- composite (what the web loads)

/** The web's composite, in its order (web/src/lib/map/map-style.ts, contentSources). */
const COMPOSITE = ['weaveries', 'hex', 'threads', 'accounts', 'nodes'];
const compositeAll: number[] = [];
let compositeMaxBytes = 0;

let timeouts = 0;
/** One tile through an edge without a tile cache: time and uncompressed bytes. */
async function tileVia(url: string, sources: string, t: Tile) {
  const t0 = performance.now();
  const res = await fetch(`${url}/tiles/${sources}/${t.z}/${t.x}/${t.y}.mvt`);
  // 503 is the edge role's statement timeout (TILE_TIMEOUT): counted, and its time kept.
  if (res.status === 503) timeouts++;
  else if (res.status !== 200) throw new Error(`${sources} ${t.z}/${t.x}/${t.y}: ${res.status}`);
  const bytes = res.status === 200 ? (await res.arrayBuffer()).byteLength : 0;
  return { ms: performance.now() - t0, bytes };
}

/** The composite and, alone, each of its parts; which goes first alternates with `i`. */
async function compositeAndParts(url: string, t: Tile, i: number) {
  const composite = async () => tileVia(url, COMPOSITE.join(','), t);
  const parts = async () => {
    let sum = 0;
    for (const s of COMPOSITE) sum += (await tileVia(url, s, t)).ms;
    return sum;
  };
  if (i % 2) {
    const c = await composite();
    return { ...c, parts: await parts() };
  }
  const p = await parts();
  return { ...(await composite()), parts: p };
}

// 5. The composite at every zoom z3–z16 over the sample points, cold (no tile cache), against
//    the sum of its five parts rendered alone by the same edge in the same run.
if (ONLY.has('composite')) {
  const edge = await startEdge(0);
  const bands: Array<{ name: string; from: number; to: number }> = [
    { name: 'z3–5', from: 3, to: 5 },
    { name: 'z6–8', from: 6, to: 8 },
    { name: 'z9–11', from: 9, to: 11 },
    { name: 'z12–14', from: 12, to: 14 },
    { name: 'z15–16', from: 15, to: 16 },
  ];
  const perZoom = new Map<number, { c: number[]; p: number[]; bytes: number[] }>();
  try {
    for (let z = 3; z <= 16; z++) {
      const tiles = distinctTiles(z);
      const m = { c: [] as number[], p: [] as number[], bytes: [] as number[] };
      for (let i = 0; m.c.length < SAMPLES; i++) {
        const r = await compositeAndParts(edge.url, tiles[i % tiles.length]!, i);
        m.c.push(r.ms);
        m.p.push(r.parts);
        m.bytes.push(r.bytes);
      }
      perZoom.set(z, m);
      compositeAll.push(...m.c);
      compositeMaxBytes = Math.max(compositeMaxBytes, ...m.bytes);
      report(
        `composite z${z} (${tiles.length} tiles): p50 ${ms(pct(m.c, 50))} p99 ${ms(pct(m.c, 99))}` +
          `, bytes p50 ${kb(pct(m.bytes, 50))} max ${kb(Math.max(...m.bytes))}` +
          ` ÷ sum of parts alone p50 ${ms(pct(m.p, 50))} p99 ${ms(pct(m.p, 99))}` +
          ` = ${ratio(pct(m.c, 50), pct(m.p, 50))} / ${ratio(pct(m.c, 99), pct(m.p, 99))}`,
      );
    }
  } finally {
    edge.stop();
  }
  for (const b of bands) {
    const c: number[] = [];
    const p: number[] = [];
    const bytes: number[] = [];
    for (let z = b.from; z <= b.to; z++) {
      const m = perZoom.get(z)!;
      c.push(...m.c);
      p.push(...m.p);
      bytes.push(...m.bytes);
    }
    report(
      `composite ${b.name}: p50 ${ms(pct(c, 50))} p99 ${ms(pct(c, 99))} max ${kb(Math.max(...bytes))}` +
        ` ÷ sum of parts p50 ${ms(pct(p, 50))} = ${ratio(pct(c, 50), pct(p, 50))}`,
    );
  }
}

/** The tiles of the issue "The map at a million" (thread-heavy: central Germany). */
const ISSUE_TILES: Tile[] = [
  { z: 5, x: 17, y: 10 },
  { z: 8, x: 136, y: 84 },
  { z: 12, x: 2200, y: 1343 },
  { z: 14, x: 8800, y: 5374 },
];

// 6. The thread-heavy area: the issue's tiles, composite, threads alone and nodes alone
//    (p50 of five cold renders each); with --base, the base checkout's edge beside it.
if (ONLY.has('issue')) {
  const edge = await startEdge(0);
  const base = values.base ? await startEdge(0, resolve(values.base)) : null;
  try {
    for (const t of ISSUE_TILES) {
      const line: string[] = [];
      for (const sources of [COMPOSITE.join(','), 'threads', 'nodes']) {
        const now: number[] = [];
        const before: number[] = [];
        let bytes = 0;
        let baseBytes = 0;
        for (let i = 0; i < 5; i++) {
          const r = await tileVia(edge.url, sources, t);
          now.push(r.ms);
          bytes = r.bytes;
          // The base renders the composite and threads in seconds: three samples there.
          if (base && i < 3) {
            const b = await tileVia(base.url, sources, t);
            before.push(b.ms);
            baseBytes = b.bytes;
          }
        }
        const name = sources.includes(',') ? 'composite' : sources;
        line.push(
          `${name} ${ms(pct(now, 50))} ${kb(bytes)}` +
            (base
              ? ` (base ${ms(pct(before, 50))} ${kb(baseBytes)}, ${ratio(pct(now, 50), pct(before, 50))}×)`
              : ''),
        );
      }
      report(`thread-heavy z${t.z} ${t.x}/${t.y}: ${line.join('; ')}`);
    }
  } finally {
    edge.stop();
    base?.stop();
  }
}

// 7. A tile re-rendered while writes change it: nodes in the tile moved (their threads' lines
//    follow, by trigger) and threads crossing it renewed, at a fixed rate from the owner pool,
//    while the composite is rendered cold again and again. Baseline: the same tile, no writes.
//    Every write is undone at the end (nodes back to where they were, renewals rewrite the
//    same times), so the world is unchanged.
if (ONLY.has('writes')) {
  const edge = await startEdge(0);
  const t = ISSUE_TILES[2]!;
  const env = owner`ST_Transform(ST_TileEnvelope(${t.z}, ${t.x}, ${t.y}), 4326)`;
  const movable = await owner<{ id: string; lon: number; lat: number }[]>`
    SELECT id, ST_X(location) AS lon, ST_Y(location) AS lat FROM live_nodes
     WHERE location && ${env} ORDER BY seq LIMIT 200`;
  const renewable = await owner<{ id: string }[]>`
    SELECT t.id FROM threads t JOIN accounts a ON a.id = t.account_id JOIN nodes n ON n.id = t.node_id
     WHERE t.expired_at IS NULL AND ST_Intersects(ST_MakeLine(a.public_point, n.location), ${env})
     LIMIT 200`;
  const moved = new Set<number>();
  let writes = 0;
  const write = async (k: number) => {
    if (k % 2 && renewable.length) {
      const { id } = renewable[k % renewable.length]!;
      await owner`UPDATE threads SET spun_at = spun_at, expires_at = expires_at WHERE id = ${id}`;
    } else {
      const i = k % movable.length;
      const n = movable[i]!;
      const away = !moved.has(i);
      if (away) moved.add(i);
      else moved.delete(i);
      const d = away ? 0.0005 : 0;
      await owner`UPDATE nodes SET location = ST_SetSRID(ST_MakePoint(${n.lon + d}, ${n.lat + d}), 4326)
                   WHERE id = ${n.id}`;
    }
    writes++;
  };
  const runPhase = async (rate: number) => {
    writes = 0;
    let stop = false;
    const writer = (async () => {
      if (!rate) return;
      for (let k = 0; !stop; k++) {
        const t0 = performance.now();
        await write(k);
        await Bun.sleep(Math.max(0, 1000 / rate - (performance.now() - t0)));
      }
    })();
    const took: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < SAMPLES; i++)
      took.push((await tileVia(edge.url, COMPOSITE.join(','), t)).ms);
    const seconds = (performance.now() - t0) / 1000;
    stop = true;
    await writer;
    return { took, perSecond: writes / seconds };
  };
  try {
    const quiet = await runPhase(0);
    const parts = [`no writes p50 ${ms(pct(quiet.took, 50))} p99 ${ms(pct(quiet.took, 99))}`];
    for (const rate of [10, 50]) {
      const busy = await runPhase(rate);
      parts.push(
        `${busy.perSecond.toFixed(1)} writes/s p50 ${ms(pct(busy.took, 50))} p99 ${ms(pct(busy.took, 99))}` +
          ` (${ratio(pct(busy.took, 99), pct(quiet.took, 99))}× the quiet p99)`,
      );
    }
    report(`composite z${t.z} ${t.x}/${t.y} under writes: ${parts.join('; ')}`);
  } finally {
    edge.stop();
    for (const i of moved) {
      const n = movable[i]!;
      await owner`UPDATE nodes SET location = ST_SetSRID(ST_MakePoint(${n.lon}, ${n.lat}), 4326) WHERE id = ${n.id}`;
    }
  }
}

// 1. Cold tiles: an edge with no tile cache, so every request renders; the same tiles
//    rendered straight on a pool. Interleaved, so both see the same database caches.
if (ONLY.has('nodes')) {
  const edge = await startEdge(0);
  try {
    for (const z of [3, 8, 14]) {
      const tiles = distinctTiles(z);
      const pair = newPair();
      for (let round = 0; round < Math.ceil(SAMPLES / tiles.length); round++) {
        for (const [i, t] of tiles.entries()) {
          if (pair.viaEdge.length >= SAMPLES) break;
          await measurePair(
            pair,
            i,
            () =>
              get(`${edge.url}/tiles/nodes/${t.z}/${t.x}/${t.y}.mvt`, `tile ${t.z}/${t.x}/${t.y}`, {
                'accept-encoding': 'gzip',
              }),
            () => renderDirect(direct, 'nodes', t),
          );
        }
      }
      reportPair(`cold tile z${z} (nodes, ${tiles.length} tiles)`, pair);
    }

    // 2. nodes.inBBox (a city-sized box around a node, 200 per page) ÷ its SQL alone.
    {
      const pair = newPair();
      for (const [i, p] of points.slice(0, SAMPLES).entries()) {
        const input: InBBoxInput = {
          west: p.lon - 0.05,
          south: p.lat - 0.03,
          east: p.lon + 0.05,
          north: p.lat + 0.03,
          limit: 200,
        };
        await measurePair(
          pair,
          i,
          () =>
            get(
              `${edge.url}/trpc/nodes.inBBox?input=${encodeURIComponent(JSON.stringify(input))}`,
              'inBBox',
            ),
          () => nodesInBBox(direct, input),
        );
      }
      reportPair('nodes.inBBox (city box, 200/page)', pair);
    }

    // 2b. search.query (autocomplete as typed, with and without `near`) ÷ its SQL alone.
    {
      const typed = [
        'Hamb',
        'Berl',
        'Koln',
        'Gärten',
        'Lastenrad Berl',
        'Flohmarkt Kö',
        'Offene Werkst',
      ];
      const pair = newPair();
      for (let i = 0; pair.viaEdge.length < SAMPLES; i++) {
        const p = points[i % points.length]!;
        const input = { q: typed[i % typed.length]!, limit: 5, ...(i % 2 ? { near: p } : {}) };
        await measurePair(
          pair,
          i,
          () =>
            get(
              `${edge.url}/trpc/search.query?input=${encodeURIComponent(JSON.stringify(input))}`,
              'search',
            ),
          () => search(direct, input),
        );
      }
      reportPair('search.query (typed prefixes, half with near)', pair);
    }

    // 3. Low zooms: the edge's tile (rollups) against a naive ST_AsMVT of every point in the
    //    tile, on the tile over the densest sample. Bytes uncompressed; naive run as owner,
    //    without the edge role's statement timeout.
    const dense = points[0]!;
    const lowTiles = [0, 1, 2, 3, 4, 5, 6].map((z) => tileOf(dense.lat, dense.lon, z));
    // The edge's tiles first (five renders each, their p50), then the naive ones: a naive
    // z0 moves 80 MB through PostgreSQL and must not slow down what is measured after it.
    const edgeLow: Array<{ ms: number; bytes: number }> = [];
    for (const t of lowTiles) {
      const runs: number[] = [];
      let bytes = 0;
      for (let i = 0; i < 5; i++) {
        const [took, size] = await timed(async () => {
          const res = await fetch(`${edge.url}/tiles/nodes/${t.z}/${t.x}/${t.y}.mvt`);
          return (await res.arrayBuffer()).byteLength;
        });
        runs.push(took);
        bytes = size;
      }
      edgeLow.push({ ms: pct(runs, 50), bytes });
    }
    for (const [i, t] of lowTiles.entries()) {
      const [naiveMs, naive] = await timed(() =>
        owner.begin(async (tx) => {
          await tx`SET LOCAL statement_timeout = 0`;
          const [row] = await tx<{ mvt: Uint8Array | null }[]>`
            SELECT ST_AsMVT(f, 'nodes', 4096, 'geom', 'fid') AS mvt FROM (
              SELECT n.seq AS fid, n.id::text AS id, n.kind, n.title,
                     ST_AsMVTGeom(ST_Transform(n.location, 3857), ST_TileEnvelope(${t.z}, ${t.x}, ${t.y})) AS geom
                FROM live_nodes n
               WHERE n.location && ST_Transform(ST_TileEnvelope(${t.z}, ${t.x}, ${t.y}), 4326)) f`;
          return row?.mvt?.byteLength ?? 0;
        }),
      );
      const e = edgeLow[i]!;
      report(
        `z${t.z} ${t.x}/${t.y}: edge ${kb(e.bytes)} in ${ms(e.ms)} vs naive all-points ${kb(naive)} in ${ms(naiveMs)}` +
          ` = bytes ${ratio(e.bytes, naive)}, time ${ratio(e.ms, naiveMs)}`,
      );
    }
  } finally {
    edge.stop();
  }
}

// 4. Cached tiles: the edge answering from its cache against Caddy serving the very same
//    gzip bytes as a static file, each loaded by autocannon in its own process.
if (ONLY.has('cached')) {
  const edge = await startEdge(64 * 1024 * 1024);
  const dir = mkdtempSync(join(tmpdir(), 'edge-bench-'));
  let caddy: ReturnType<typeof Bun.spawn> | null = null;
  try {
    const t = tileOf(points[0]!.lat, points[0]!.lon, 14);
    const path = `/tiles/nodes/${t.z}/${t.x}/${t.y}.mvt`;
    const res = await fetch(`${edge.url}${path}`); // renders and caches it
    const raw = new Uint8Array(await res.arrayBuffer());
    writeFileSync(join(dir, 'tile.mvt'), raw);
    writeFileSync(join(dir, 'tile.mvt.gz'), gzipSync(raw, { level: 6 }));
    const port = await freePort();
    writeFileSync(
      join(dir, 'Caddyfile'),
      `{\n\tadmin off\n}\n:${port} {\n\troot * ${dir}\n\theader Content-Type application/vnd.mapbox-vector-tile\n\tfile_server {\n\t\tprecompressed gzip\n\t}\n}\n`,
    );
    caddy = Bun.spawn(
      [
        findBinary('caddy', ['/usr/bin/caddy']),
        'run',
        '--config',
        join(dir, 'Caddyfile'),
        '--adapter',
        'caddyfile',
      ],
      {
        env: { ...process.env, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
        stdout: 'ignore',
        stderr: 'ignore',
      },
    );
    await waitForHttp(`http://127.0.0.1:${port}/tile.mvt`, 15_000);
    const viaEdge = await autocannon(`${edge.url}${path}`);
    const viaCaddy = await autocannon(`http://127.0.0.1:${port}/tile.mvt`);
    report(
      `cached tile z14 (${kb(raw.byteLength)} raw): edge ${viaEdge.toFixed(0)} req/s ÷ Caddy static ${viaCaddy.toFixed(0)} req/s = ${ratio(viaEdge, viaCaddy)}` +
        ` (autocannon, 10 connections, ${SECONDS} s each)`,
    );
  } finally {
    caddy?.kill();
    edge.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (timeouts) report(`tiles that hit the statement timeout (503): ${timeouts}`);
report(`total bench time: ${((performance.now() - started) / 1000).toFixed(0)} s`);
if (compositeAll.length) {
  report(
    `edge bench: composite p50 ${pct(compositeAll, 50).toFixed(1)} p99 ${pct(compositeAll, 99).toFixed(1)} max ${(compositeMaxBytes / 1024).toFixed(1)}`,
  );
}
await owner.end();
await direct.end();
