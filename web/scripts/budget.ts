// The web's performance budget, measured: builds the app, prints the gzip size of the JavaScript
// the map route loads before anything else (MapLibre's lazily loaded chunk listed on its own),
// then runs Lighthouse (mobile preset, system Chromium) against a running stack and prints the
// performance and accessibility scores. Not a test: numbers for a person to read and record.
//
//   bun scripts/budget.ts [url]        (default http://localhost:8080/, or BUDGET_URL;
//                                      BUDGET_RUNS Lighthouse runs, default 5, median reported)
//
// The build goes to a temporary folder, so a server running from web/build keeps its files.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';

const WEB = join(import.meta.dir, '..');
const CLIENT = join(WEB, '.svelte-kit', 'output', 'client');
const TARGETS = { initialJsKb: 80, performance: 90, accessibility: 95 };
const url = process.argv[2] ?? process.env.BUDGET_URL ?? 'http://localhost:8080/';
const RUNS = Number(process.env.BUDGET_RUNS ?? 5);

interface ManifestChunk {
  file: string;
  name?: string;
  src?: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

function build(): void {
  const out = mkdtempSync(join(tmpdir(), 'wg-budget-'));
  console.log(`building (into ${out}) …`);
  const result = Bun.spawnSync(['bun', 'run', 'build'], {
    cwd: WEB,
    env: { ...process.env, WEB_BUILD_OUT: out },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  rmSync(out, { recursive: true, force: true });
  if (result.exitCode !== 0) {
    console.error(result.stdout.toString(), result.stderr.toString());
    throw new Error('build failed');
  }
}

const gzipKb = (file: string) =>
  gzipSync(readFileSync(join(CLIENT, file)), { level: 9 }).length / 1024;

function bundleSizes(): number {
  const manifest = JSON.parse(
    readFileSync(join(CLIENT, '.vite', 'manifest.json'), 'utf8'),
  ) as Record<string, ManifestChunk>;
  // Which client node renders "/": SvelteKit's generated dictionary maps routes to nodes.
  const app = readFileSync(
    join(WEB, '.svelte-kit', 'generated', 'client-optimized', 'app.js'),
    'utf8',
  );
  const routeNode = /"\/":\s*\[(\d+)\]/.exec(app)?.[1];
  if (!routeNode) throw new Error('cannot find the node of route "/"');
  const entryKeys = Object.keys(manifest).filter((key) => {
    const chunk = manifest[key]!;
    if (!chunk.isEntry) return false;
    return (
      /client\/entry\.js$/.test(key) ||
      /client-optimized\/app\.js$/.test(key) ||
      key.endsWith(`client-optimized/nodes/0.js`) ||
      key.endsWith(`client-optimized/nodes/${routeNode}.js`)
    );
  });
  const initial = new Set<string>();
  const lazy = new Set<string>();
  const visit = (key: string) => {
    if (initial.has(key)) return;
    initial.add(key);
    const chunk = manifest[key]!;
    for (const next of chunk.imports ?? []) visit(next);
    for (const next of chunk.dynamicImports ?? []) lazy.add(next);
  };
  for (const key of entryKeys) visit(key);

  const rows = [...initial].map((key) => ({
    file: manifest[key]!.file,
    kb: gzipKb(manifest[key]!.file),
  }));
  rows.sort((a, b) => b.kb - a.kb);
  const total = rows.reduce((sum, row) => sum + row.kb, 0);
  console.log(`\ninitial JavaScript of the map route (gzip -9), ${rows.length} files:`);
  for (const row of rows) console.log(`  ${row.kb.toFixed(1).padStart(6)} KB  ${row.file}`);
  console.log(`  ${total.toFixed(1).padStart(6)} KB  total (target ≤ ${TARGETS.initialJsKb} KB)`);

  const css = new Set([...initial].flatMap((key) => manifest[key]!.css ?? []));
  const cssKb = [...css].reduce((sum, file) => sum + gzipKb(file), 0);
  console.log(`  ${cssKb.toFixed(1).padStart(6)} KB  CSS of the route`);

  console.log('\nloaded later (dynamic imports):');
  for (const key of lazy) {
    if (initial.has(key)) continue;
    const chunk = manifest[key]!;
    // MapLibre shares its chunk with the code that drives it (src/lib/map/live-map.ts).
    const label = /maplibre|live-map/.test(`${key} ${chunk.name ?? ''}`) ? '  ← MapLibre' : '';
    console.log(`  ${gzipKb(chunk.file).toFixed(1).padStart(6)} KB  ${chunk.file}${label}`);
  }
  return total;
}

async function lighthouseRun(): Promise<{ performance: number; accessibility: number }> {
  console.log(`\nLighthouse (mobile preset) against ${url} …`);
  const chrome = await chromeLauncher.launch({
    chromePath: '/usr/bin/chromium',
    chromeFlags: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  try {
    const result = await lighthouse(url, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['performance', 'accessibility'],
    });
    if (!result) throw new Error('Lighthouse returned nothing');
    const { categories, audits } = result.lhr;
    const score = (id: string) => Math.round((categories[id]?.score ?? 0) * 100);
    const scores = { performance: score('performance'), accessibility: score('accessibility') };
    for (const id of [
      'first-contentful-paint',
      'largest-contentful-paint',
      'total-blocking-time',
      'cumulative-layout-shift',
      'speed-index',
    ]) {
      console.log(`  ${(audits[id]?.title ?? id).padEnd(26)} ${audits[id]?.displayValue ?? '–'}`);
    }
    const failing = Object.values(audits).filter(
      (audit) =>
        audit.score !== null &&
        audit.score < 1 &&
        categories.accessibility?.auditRefs.some((ref) => ref.id === audit.id),
    );
    for (const audit of failing) console.log(`  accessibility: ${audit.title}`);
    console.log(`  performance   ${scores.performance} (target ≥ ${TARGETS.performance})`);
    console.log(`  accessibility ${scores.accessibility} (target ≥ ${TARGETS.accessibility})`);
    return scores;
  } finally {
    chrome.kill();
  }
}

/** Lighthouse varies from run to run on a shared machine: several runs, the median counts
 * (as Lighthouse's own documentation advises). */
async function lighthouseScores(): Promise<{ performance: number; accessibility: number }> {
  const runs: Array<{ performance: number; accessibility: number }> = [];
  for (let i = 0; i < RUNS; i += 1) runs.push(await lighthouseRun());
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const scores = {
    performance: median(runs.map((r) => r.performance)),
    accessibility: median(runs.map((r) => r.accessibility)),
  };
  console.log(
    `\nmedian of ${RUNS} runs: performance ${scores.performance} (runs ${runs.map((r) => r.performance).join(', ')}), accessibility ${scores.accessibility}`,
  );
  return scores;
}

build();
const initialKb = bundleSizes();
const scores = await lighthouseScores();
const met =
  initialKb <= TARGETS.initialJsKb &&
  scores.performance >= TARGETS.performance &&
  scores.accessibility >= TARGETS.accessibility;
console.log(`\nbudget ${met ? 'met' : 'NOT met'}`);
