// Edge benchmark (a script, not a test): every line is a ratio measured in the same run on
// the same machine, so a shared, noisy machine still gives comparable numbers.
//   bun bench/edge-bench.ts [--db postgres://weltgewebe_owner@…/db] [--samples 40] [--seconds 8]
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
  },
});
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

async function startEdge(cacheBytes: number) {
  const port = await freePort();
  const proc = Bun.spawn([process.execPath, 'edge/src/main.ts'], {
    cwd: ROOT,
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

// 1. Cold tiles: an edge with no tile cache, so every request renders; the same tiles
//    rendered straight on a pool. Interleaved, so both see the same database caches.
{
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
{
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

report(`total bench time: ${((performance.now() - started) / 1000).toFixed(0)} s`);
await owner.end();
await direct.end();
