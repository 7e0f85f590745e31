// Basemap benchmark (a script, not a test): city tiles of the OpenStreetMap basemap at z14–z16.
// It writes a synthetic dense city as an .osm file (a street grid of named streets, ~16 small
// buildings per block with house numbers, parks, a river and a lake around Hamburg's centre),
// imports it with the real osm2pgsql into a fresh database, then for every z14–z16 tile over
// the city prints the tile size and the cold render at the edge (first request of that tile,
// in-process edge, its tile cache empty) against the same source SQL run directly on the edge
// role's pool, in the same run. Both pools are warmed first on a tile outside the city: the
// first PostGIS call on a new database connection loads the extension (hundreds of ms under
// load), which a running edge has long paid and a tile's render does not cause. On a shared
// machine wall times swing with the load, so it also prints the CPU time the PostgreSQL
// backend spent per render (/proc/<pid>/schedstat, median of 3 per tile): what the render
// costs, which on an idle machine is about what it takes.
//   bun bench/basemap-bench.ts [--blocks 26]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { importOsm } from '../db/src/basemap/osm/import-osm.ts';
import { createPool } from '../db/src/client.ts';
import { startEdgeHarness } from '../edge/src/testing/edge-harness.ts';
import { basemapSource } from '../edge/src/tiles/sources/basemap.ts';
import { tileFraction } from '../edge/src/tiles/tile-math.ts';

const { values } = parseArgs({ options: { blocks: { type: 'string', default: '26' } } });
const BLOCKS = Number(values.blocks);
const CENTER = { lat: 53.5501, lon: 9.99207 };
/** A city block of ~80 m × 80 m. */
const DLON = 80 / (111_320 * Math.cos((CENTER.lat * Math.PI) / 180));
const DLAT = 80 / 111_320;

function cityXml(): { xml: string; buildings: number } {
  const nodes: string[] = [];
  const ways: string[] = [];
  let nid = 1;
  let wid = 1;
  const node = (lon: number, lat: number) => {
    nodes.push(`<node id="${nid}" version="1" lat="${lat.toFixed(7)}" lon="${lon.toFixed(7)}"/>`);
    return nid++;
  };
  const way = (refs: number[], tags: Record<string, string>) => {
    const t = Object.entries(tags)
      .map(([k, v]) => `<tag k="${k}" v="${v}"/>`)
      .join('');
    ways.push(
      `<way id="${wid++}" version="1">${refs.map((r) => `<nd ref="${r}"/>`).join('')}${t}</way>`,
    );
  };
  const lon0 = CENTER.lon - (BLOCKS / 2) * DLON;
  const lat0 = CENTER.lat - (BLOCKS / 2) * DLAT;
  // Street grid: every line one way per block (as OSM splits streets at junctions).
  const grid: number[][] = [];
  for (let i = 0; i <= BLOCKS; i++) {
    grid.push([]);
    for (let j = 0; j <= BLOCKS; j++) grid[i]!.push(node(lon0 + i * DLON, lat0 + j * DLAT));
  }
  const cls = (k: number) => (k % 8 === 0 ? 'primary' : k % 4 === 0 ? 'secondary' : 'residential');
  for (let i = 0; i <= BLOCKS; i++) {
    for (let j = 0; j < BLOCKS; j++) {
      way([grid[i]![j]!, grid[i]![j + 1]!], { highway: cls(i), name: `Nordstraße ${i}` });
      way([grid[j]![i]!, grid[j + 1]![i]!], { highway: cls(i), name: `Querweg ${i}` });
    }
  }
  let buildings = 0;
  for (let i = 0; i < BLOCKS; i++) {
    for (let j = 0; j < BLOCKS; j++) {
      const bx = lon0 + i * DLON;
      const by = lat0 + j * DLAT;
      if ((i * 7 + j * 3) % 23 === 0) {
        const ring = [
          node(bx + 0.1 * DLON, by + 0.1 * DLAT),
          node(bx + 0.9 * DLON, by + 0.1 * DLAT),
          node(bx + 0.9 * DLON, by + 0.9 * DLAT),
          node(bx + 0.1 * DLON, by + 0.9 * DLAT),
        ];
        way([...ring, ring[0]!], { leisure: 'park', name: `Park ${i}-${j}` });
        continue;
      }
      // 4 × 4 buildings of ~15 m with 8-vertex footprints (an L shape), each with a number.
      for (let a = 0; a < 4; a++) {
        for (let b = 0; b < 4; b++) {
          const x = bx + (0.1 + a * 0.2) * DLON;
          const y = by + (0.1 + b * 0.2) * DLAT;
          const w = 0.18 * DLON;
          const h = 0.18 * DLAT;
          const ring = [
            node(x, y),
            node(x + w, y),
            node(x + w, y + h * 0.6),
            node(x + w * 0.6, y + h * 0.6),
            node(x + w * 0.6, y + h),
            node(x, y + h),
          ];
          way([...ring, ring[0]!], {
            building: 'yes',
            'addr:housenumber': String(a * 4 + b + 1),
          });
          buildings++;
        }
      }
    }
  }
  // A river across the city and a lake.
  const river = Array.from({ length: 40 }, (_, k) =>
    node(lon0 + (k / 39) * BLOCKS * DLON, lat0 + 0.3 * BLOCKS * DLAT + Math.sin(k / 4) * DLAT),
  );
  way(river, { waterway: 'river', name: 'Elbe' });
  const lake = Array.from({ length: 48 }, (_, k) =>
    node(
      CENTER.lon + 3 * DLON * Math.cos((k / 48) * 2 * Math.PI),
      CENTER.lat + 2 * DLAT * Math.sin((k / 48) * 2 * Math.PI),
    ),
  );
  way([...lake, lake[0]!], { natural: 'water', name: 'Binnenalster' });
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n${nodes.join('\n')}\n${ways.join('\n')}\n</osm>\n`;
  return { xml, buildings };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

const dir = mkdtempSync(join(tmpdir(), 'wg-basemap-bench-'));
const h = await startEdgeHarness();
try {
  const { xml, buildings } = cityXml();
  const file = join(dir, 'city.osm');
  writeFileSync(file, xml);
  const started = performance.now();
  const summary = await importOsm(h.core.db.ownerUrl, file);
  console.log(
    `synthetic city: ${BLOCKS}×${BLOCKS} blocks of 80 m, ${buildings} buildings, ${(xml.length / 1e6).toFixed(1)} MB .osm; import ${Math.round(performance.now() - started)} ms (${JSON.stringify(summary.counts)})`,
  );
  const direct = createPool(h.core.db.edgeUrl, { applicationName: 'basemap-bench', max: 2 });
  // One connection whose backend's CPU time is read around each render.
  const cpuPool = createPool(h.core.db.edgeUrl, { applicationName: 'basemap-bench-cpu', max: 1 });
  try {
    const [backend] = await cpuPool<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
    const cpuNs = () =>
      Number(readFileSync(`/proc/${backend!.pid}/schedstat`, 'utf8').split(' ')[0]);
    const cpuMs = async (t: { z: number; x: number; y: number }) => {
      const runs: number[] = [];
      for (let i = 0; i < 3; i++) {
        const before = cpuNs();
        await basemapSource.render(cpuPool, t, {} as never);
        runs.push((cpuNs() - before) / 1e6);
      }
      return median(runs);
    };
    // Warm-up outside the measured tiles (a z10 tile far away): every connection of both pools.
    const away = { z: 10, x: 0, y: 0 };
    await Promise.all([
      ...[0, 1].map(() => basemapSource.render(direct, away, {} as never)),
      basemapSource.render(cpuPool, away, {} as never),
      ...[0, 1, 2, 3, 4].map((i) => h.request(`/tiles/basemap/10/${i}/0.mvt`)),
    ]);
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} (1/5/15 min)`,
    );
    console.log(
      'zoom  tiles  max KB  median KB  edge cold median/max ms  direct SQL median ms  edge/direct  SQL CPU median ms',
    );
    for (const z of [14, 15, 16]) {
      const span = (BLOCKS / 2) * DLON;
      const a = tileFraction(CENTER.lat - (BLOCKS / 2) * DLAT, CENTER.lon - span, z);
      const b = tileFraction(CENTER.lat + (BLOCKS / 2) * DLAT, CENTER.lon + span, z);
      const tiles: Array<{ z: number; x: number; y: number }> = [];
      for (let x = Math.floor(a.fx); x <= Math.floor(b.fx); x++) {
        for (let y = Math.floor(b.fy); y <= Math.floor(a.fy); y++) tiles.push({ z, x, y });
      }
      const picked = tiles.slice(0, 24);
      const edgeMs: number[] = [];
      const directMs: number[] = [];
      const kb: number[] = [];
      const sqlCpuMs: number[] = [];
      for (const t of picked) {
        // Direct first, then the edge: both cold for the edge's cache; PostgreSQL's own buffers
        // are warm for both after the import.
        let t0 = performance.now();
        const layer = await basemapSource.render(direct, t, {} as never);
        directMs.push(performance.now() - t0);
        t0 = performance.now();
        const res = await h.request(`/tiles/basemap/${t.z}/${t.x}/${t.y}.mvt`);
        const body = new Uint8Array(await res.arrayBuffer());
        edgeMs.push(performance.now() - t0);
        if (res.status !== 200) throw new Error(`tile ${t.z}/${t.x}/${t.y}: ${res.status}`);
        kb.push(Math.max(body.byteLength, layer.mvt.byteLength) / 1024);
        sqlCpuMs.push(await cpuMs(t));
      }
      console.log(
        `z${z}   ${String(picked.length).padStart(5)}  ${Math.max(...kb)
          .toFixed(1)
          .padStart(
            6,
          )}  ${median(kb).toFixed(1).padStart(9)}  ${median(edgeMs).toFixed(1).padStart(12)} / ${Math.max(
          ...edgeMs,
        )
          .toFixed(1)
          .padStart(
            6,
          )}  ${median(directMs).toFixed(1).padStart(20)}  ${(median(edgeMs) / median(directMs)).toFixed(2).padStart(11)}  ${median(sqlCpuMs).toFixed(1).padStart(17)}`,
      );
    }
  } finally {
    await direct.end({ timeout: 2 });
    await cpuPool.end({ timeout: 2 });
  }
} finally {
  await h.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
