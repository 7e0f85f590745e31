// Fuzzing every door: each procedure of the edge and of the core (read from the routers, so a
// new one is fuzzed without being listed), anonymously and with a real token, with NUL, lone
// surrogates, 1 MB strings, 10,000-deep nesting, wrong types, huge numbers and prototype keys —
// as a whole input and one field at a time in an otherwise plausible input; broken HTTP
// around them; every tile URL with bad coordinates, sources and filters; and the same through
// the real Caddy in front of a served edge. What must hold: no answer is a 5xx, and every 4xx
// is JSON with a stable code. Seeded: the seed is printed, FUZZ_SEED=<n> repeats a run.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@weltgewebe/infra/services';
import { accessTokenFor } from '@weltgewebe/infra/testing';
import { coreRouter } from '../../core/src/router.ts';
import { edgeRouter } from './router.ts';
import { type EdgeHarness, startEdgeHarness } from './testing/edge-harness.ts';
import {
  ALL_WEIRD,
  ESSENTIAL,
  fieldPaths,
  MORE,
  type ProcedureInfo,
  plausibleInput,
  proceduresOf,
  type Random,
  seededRandom,
  withField,
} from './testing/fuzz-inputs.ts';
import { type ServedEdge, serveEdge } from './testing/served-edge.ts';

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`fuzz: seed ${SEED} (repeat this run with FUZZ_SEED=${SEED})`);

type Auth = 'anonymous' | 'token';

interface Case {
  /** What is sent, for the report. */
  what: string;
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  auth: Auth;
}

interface Finding {
  what: string;
  path: string;
  auth: Auth;
  status: number;
  body: string;
}

/** The stable codes of an error answer (tRPC single, tRPC batch, or the edge's own JSON). */
export function errorCodesOf(text: string): string[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  const codes: string[] = [];
  for (const item of items) {
    const error = (item as { error?: { code?: unknown; data?: { domainCode?: unknown } } })?.error;
    if (!error) continue;
    const code = error.data?.domainCode ?? error.code;
    if (typeof code !== 'string' || !/^[A-Z][A-Z0-9_]+$/.test(code)) return null;
    codes.push(code);
  }
  return codes.length > 0 ? codes : null;
}

/** Reads an answer: whole bodies up to a limit, only the first part of a stream. */
async function readAnswer(response: Response): Promise<string> {
  const type = response.headers.get('content-type') ?? '';
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const streaming = type.includes('text/event-stream') || type.includes('jsonl');
  try {
    for (;;) {
      const next = await Promise.race([
        reader.read(),
        Bun.sleep(streaming ? 3_000 : 30_000).then(() => null),
      ]);
      if (!next || next.done) break;
      chunks.push(next.value);
      size += next.value.length;
      // A stream has said enough once it sent something (subscriptions never end by themselves).
      if (streaming || size > 64 * 1024) break;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

type Handler = (request: Request) => Promise<Response>;

/**
 * Sends every case (a few at a time) and returns what broke the rules. `refusedByProxy` tells
 * answers of a proxy in front (Caddy's own 4xx are plain text) from the service's.
 */
async function run(
  handler: Handler,
  origin: string,
  cases: Case[],
  tokens: Record<Auth, string | null>,
  refusedByProxy: (response: Response, body: string) => boolean = () => false,
) {
  const findings: Finding[] = [];
  const statuses = new Map<number, number>();
  let proxyRefusals = 0;
  let index = 0;
  const worker = async () => {
    while (index < cases.length) {
      const c = cases[index++]!;
      const headers = new Headers(c.headers);
      const token = tokens[c.auth];
      if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
      if (c.body !== undefined && !headers.has('content-type'))
        headers.set('content-type', 'application/json');
      let status: number;
      let body: string;
      try {
        const response = await handler(
          new Request(`${origin}${c.path}`, { method: c.method, headers, body: c.body }),
        );
        status = response.status;
        body = await readAnswer(response);
        if (status >= 400 && status < 500 && refusedByProxy(response, body)) {
          proxyRefusals++;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          continue;
        }
      } catch (error) {
        status = 599;
        body = `request failed: ${error instanceof Error ? error.message : String(error)}`;
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      const bad = status >= 500 || (status >= 400 && errorCodesOf(body) === null);
      if (bad) {
        findings.push({
          what: c.what,
          path: c.path.slice(0, 160),
          auth: c.auth,
          status,
          body: body.slice(0, 400),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return { findings, statuses: Object.fromEntries([...statuses].sort()), proxyRefusals };
}

/** One procedure call over HTTP as tRPC's links send it. */
function call(procedure: ProcedureInfo, json: string | undefined, what: string, auth: Auth): Case {
  if (procedure.type === 'mutation') {
    return { what, method: 'POST', path: `/trpc/${procedure.path}`, body: json, auth };
  }
  const query = json === undefined ? '' : `?input=${encodeURIComponent(json)}`;
  return { what, method: 'GET', path: `/trpc/${procedure.path}${query}`, auth };
}

/**
 * Per procedure: the whole input replaced by every essential value (with and without a token)
 * and by some others (with a token), and with a token each field of a plausible input replaced
 * in turn (NUL and a lone surrogate always, one more picked by the seed).
 */
function procedureCases(
  procedures: ProcedureInfo[],
  rng: Random,
  schemaOf: (p: ProcedureInfo) => ProcedureInfo['inputSchema'],
  knownIds: Record<string, string>,
): Case[] {
  const cases: Case[] = [];
  for (const procedure of procedures) {
    const schema = schemaOf(procedure);
    // Fresh each time (new operation and idempotency keys, so no case is answered from an
    // earlier one), pointing at a node that exists (so commands get past NOT_FOUND).
    const plausible = () => {
      const input = plausibleInput(schema);
      if (input && typeof input === 'object' && !Array.isArray(input)) {
        for (const [key, id] of Object.entries(knownIds)) {
          if (key in input) (input as Record<string, unknown>)[key] = id;
        }
      }
      return input;
    };
    const base = plausible();
    const baseJson = base === undefined ? undefined : JSON.stringify(base);
    // Without a token most procedures stop at the door: the essentials are enough there.
    const whole = { anonymous: ESSENTIAL, token: [...ESSENTIAL, ...rng.sample(MORE, 8)] };
    for (const auth of ['anonymous', 'token'] as const) {
      cases.push(call(procedure, baseJson, 'a plausible input', auth));
      for (const weird of whole[auth])
        cases.push(call(procedure, weird.json, `input = ${weird.name}`, auth));
    }
    for (const path of fieldPaths(base).slice(0, 12)) {
      const values = [ESSENTIAL[0]!, ESSENTIAL[1]!, rng.pick(ALL_WEIRD.slice(2))];
      for (const weird of values) {
        cases.push(
          call(
            procedure,
            withField(plausible(), path, weird.json),
            `${path.join('.')} = ${weird.name}`,
            'token',
          ),
        );
      }
    }
  }
  return cases;
}

/** HTTP around tRPC that no client of ours sends. */
function brokenHttpCases(procedures: ProcedureInfo[]): Case[] {
  const query = procedures.find((p) => p.type === 'query')!;
  const mutation = procedures.find((p) => p.type === 'mutation')!;
  const queries = procedures.filter((p) => p.type === 'query').map((p) => p.path);
  const cases: Case[] = [];
  for (const auth of ['anonymous', 'token'] as const) {
    const q = (what: string, path: string, extra: Partial<Case> = {}) =>
      cases.push({ what, method: 'GET', path, auth, ...extra });
    const m = (what: string, body: string | undefined, headers: Record<string, string> = {}) =>
      cases.push({ what, method: 'POST', path: `/trpc/${mutation.path}`, body, headers, auth });
    q('input with a broken %-escape', `/trpc/${query.path}?input=%ZZ`);
    q('input that is not JSON', `/trpc/${query.path}?input={"a":`);
    q('input of 1 MB in the URL', `/trpc/${query.path}?input=${'%22'}${'x'.repeat(1_000_000)}%22`);
    q('a query sent as POST', `/trpc/${query.path}`, { method: 'POST', body: '{}' });
    q('a mutation sent as GET', `/trpc/${mutation.path}?input={}`);
    for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS'])
      q(`method ${method}`, `/trpc/${query.path}`, { method });
    for (const path of [
      '/trpc',
      '/trpc/',
      '/trpc/nope.nothing',
      '/trpc/__proto__',
      '/trpc/constructor',
      '/trpc/toString',
      '/trpc/hasOwnProperty',
      '/trpc/nodes.__proto__',
      '/trpc/%ZZ',
      '/trpc/a,,b?batch=1',
      `/trpc/${'x'.repeat(10_000)}`,
    ])
      q(`unknown procedure ${path.slice(0, 40)}`, path);
    m('body that is not JSON', 'not json');
    m('empty body', '');
    m('truncated JSON', '{"a":');
    m('a JSON string body', '"text"');
    m('text/plain body', '{}', { 'content-type': 'text/plain' });
    m('form body', 'a=%00&b=%ZZ', { 'content-type': 'application/x-www-form-urlencoded' });
    m('broken multipart body', '--x\r\nnot a part', {
      'content-type': 'multipart/form-data; boundary=x',
    });
    m('multipart without boundary', 'x', { 'content-type': 'multipart/form-data' });
    const batchInput = (n: number, weird: string) =>
      encodeURIComponent(`{${Array.from({ length: n }, (_, i) => `"${i}":${weird}`).join(',')}}`);
    q(
      'batch of every query with NUL',
      `/trpc/${queries.join(',')}?batch=1&input=${batchInput(queries.length, ESSENTIAL[0]!.json)}`,
    );
    q('batch with input for the wrong index', `/trpc/${queries.join(',')}?batch=1&input={"99":1}`);
    q('batch input that is an array', `/trpc/${queries.join(',')}?batch=1&input=[1,2]`);
    q('batch input __proto__', `/trpc/${queries.join(',')}?batch=1&input={"__proto__":{"0":1}}`);
    q('batch of 200 calls', `/trpc/${Array(200).fill(query.path).join(',')}?batch=1`);
    q(
      'streamed batch with a deep input',
      `/trpc/${query.path}?batch=1&input=${batchInput(1, ESSENTIAL[4]!.json)}`,
      {
        headers: { 'trpc-accept': 'application/jsonl' },
      },
    );
    cases.push({
      what: 'batch of mutations with a lone surrogate',
      method: 'POST',
      path: `/trpc/${procedures
        .filter((p) => p.type === 'mutation')
        .map((p) => p.path)
        .join(',')}?batch=1`,
      body: `{"0":${ESSENTIAL[1]!.json}}`,
      auth,
    });
  }
  for (const [what, authorization] of [
    ['an empty bearer', 'Bearer '],
    ['a bearer that is no JWT', 'Bearer a.b.c'],
    ['a 100 kB bearer', `Bearer ${'a'.repeat(100_000)}`],
    ['basic auth', 'Basic YTpi'],
    ['a bearer with a space', 'Bearer a b'],
  ] as const) {
    cases.push({
      what,
      method: 'GET',
      path: `/trpc/${query.path}`,
      headers: { authorization },
      auth: 'anonymous',
    });
    cases.push({
      what,
      method: 'POST',
      path: `/trpc/${mutation.path}`,
      body: '{}',
      headers: { authorization },
      auth: 'anonymous',
    });
  }
  cases.push({
    what: 'an access-token cookie with broken escapes',
    method: 'POST',
    path: `/trpc/${mutation.path}`,
    body: '{}',
    headers: { cookie: 'wg_at=%ZZ%E2%82', origin: 'http://localhost:8080' },
    auth: 'anonymous',
  });
  cases.push({
    what: 'a 1 MB cookie',
    method: 'GET',
    path: `/trpc/${query.path}`,
    headers: { cookie: `wg_at=${'a'.repeat(1_000_000)}` },
    auth: 'anonymous',
  });
  return cases;
}

/** Every kind of tile URL, good and bad. */
function tileCases(rng: Random): Case[] {
  const sources = ['nodes', 'accounts', 'threads', 'weaveries', 'hex', 'basemap', 'nodes,hex'];
  const paths = [
    '/tiles/catalog',
    '/tiles/catalog?x=%00',
    '/tiles/',
    '/tiles',
    '/tiles/nodes',
    '/tiles/nodes/0',
    '/tiles/nodes/0/0',
    '/tiles/nodes/0/0/0',
    '/tiles/nodes/0/0/0.png',
    '/tiles/nodes/0/0/0.mvt/extra',
    '/tiles/nodes/23/0/0.mvt',
    '/tiles/nodes/22/4194304/0.mvt',
    '/tiles/nodes/-1/0/0.mvt',
    '/tiles/nodes/1/2/0.mvt',
    '/tiles/nodes/1/0/2.mvt',
    '/tiles/nodes/99999999999999999999/0/0.mvt',
    '/tiles/nodes/1e3/0/0.mvt',
    '/tiles/nodes/0x1/0/0.mvt',
    '/tiles/nodes/%00/0/0.mvt',
    '/tiles/nodes/0/0/%ZZ.mvt',
    '/tiles/nodes/%D9%A1/0/0.mvt',
    '/tiles/nodes/0/0/0.mvt%00',
    '/tiles/%ZZ/0/0/0.mvt',
    '/tiles/%ZZ.json',
    '/tiles/%E2%82%AC.json',
    '/tiles/nodes%00.json',
    '/tiles/nodes,nodes/0/0/0.mvt',
    '/tiles/nodes,/0/0/0.mvt',
    '/tiles/,/0/0/0.mvt',
    '/tiles/__proto__/0/0/0.mvt',
    '/tiles/constructor.json',
    '/tiles/hasOwnProperty/0/0/0.mvt',
    `/tiles/${'nodes,'.repeat(2_000)}hex/0/0/0.mvt`,
    '/tiles/../../etc/passwd',
    '/tiles/%2e%2e/%2e%2e/metrics',
    '/tiles/nodes/0/0/0.mvt?kinds=',
    '/tiles/nodes/0/0/0.mvt?kinds=place%00',
    '/tiles/nodes/0/0/0.mvt?kinds=%ED%A0%80',
    '/tiles/nodes/0/0/0.mvt?kinds=%ZZ',
    '/tiles/nodes/0/0/0.mvt?kinds=__proto__',
    '/tiles/nodes/0/0/0.mvt?topics=constructor',
    '/tiles/nodes/0/0/0.mvt?kinds=place,place,event&topics=food',
    `/tiles/nodes/0/0/0.mvt?kinds=${'place,'.repeat(100_000)}event`,
    `/tiles/nodes/0/0/0.mvt?${'kinds=place&'.repeat(20_000)}`,
    `/tiles/nodes/0/0/0.mvt?v=${'x'.repeat(1_000_000)}`,
    `/tiles/nodes/0/0/0.mvt?kinds=${'x'.repeat(1_000_000)}`,
    '/tiles/basemap/0/0/0.mvt?kinds=place',
    '/tiles/nodes.json?kinds=place&topics=%00',
    `/tiles/nodes.json?topics=${'y'.repeat(100_000)}`,
  ];
  for (const source of sources) {
    paths.push(`/tiles/${source}.json`);
    const z = Math.floor(rng.next() * 23);
    const n = 2 ** z;
    paths.push(
      `/tiles/${source}/${z}/${Math.floor(rng.next() * n)}/${Math.floor(rng.next() * n)}.mvt`,
    );
    paths.push(`/tiles/${source}/${z}/${n}/0.mvt`);
  }
  const cases: Case[] = [];
  for (const auth of ['anonymous', 'token'] as const) {
    for (const path of paths) cases.push({ what: 'tile URL', method: 'GET', path, auth });
    for (const method of ['POST', 'PUT', 'DELETE']) {
      cases.push({
        what: `tile by ${method}`,
        method,
        path: '/tiles/nodes/0/0/0.mvt',
        body: 'x',
        auth,
      });
    }
  }
  cases.push({
    what: 'tile with a broken token',
    method: 'GET',
    path: '/tiles/nodes/0/0/0.mvt',
    headers: { authorization: 'Bearer a.b.c' },
    auth: 'anonymous',
  });
  return cases;
}

let h: EdgeHarness;
let tokens: Record<Auth, string | null>;
let knownIds: Record<string, string>;
const edgeProcedures = proceduresOf(edgeRouter);
const coreProcedures = proceduresOf(coreRouter);
const coreByPath = new Map(coreProcedures.map((p) => [p.path, p]));
/** The edge forwards commands with a pass-through schema: take the core's to build inputs. */
const schemaForEdge = (p: ProcedureInfo) => {
  const own = p.inputSchema;
  const hasShape = own && Object.keys(own).some((k) => k !== '$schema');
  return hasShape ? own : (coreByPath.get(p.path)?.inputSchema ?? own);
};

beforeAll(async () => {
  // Commands must reach their schemas, not the per-account limit.
  h = await startEdgeHarness({ commandsPerMinute: 1_000_000 });
  tokens = { anonymous: null, token: await accessTokenFor('admin') };
  const node = await h.client(tokens.token).nodes.create.mutate({
    operationId: crypto.randomUUID(),
    kind: 'place',
    title: 'Fuzz-Knoten',
    lat: 53.55,
    lon: 9.99,
  });
  knownIds = { id: node.id, nodeId: node.id };
});

afterAll(async () => {
  await h?.stop();
});

function report(name: string, result: Awaited<ReturnType<typeof run>>, count: number) {
  console.log(
    `fuzz ${name}: ${count} requests, statuses ${JSON.stringify(result.statuses)}${result.proxyRefusals ? `, ${result.proxyRefusals} refused by Caddy itself` : ''}, ${result.findings.length} broke the rules`,
  );
}

describe('fuzz (no 5xx, every 4xx a JSON error with a code)', () => {
  test('finds every procedure of both routers', () => {
    expect(edgeProcedures.map((p) => p.path)).toContain('search.query');
    expect(coreProcedures.map((p) => p.path)).toContain('nodes.create');
    // Every procedure the edge forwards has an input schema at the core to build inputs from.
    for (const p of edgeProcedures) {
      if (p.inputSchema)
        expect({ path: p.path, schema: Boolean(schemaForEdge(p)) }).toEqual({
          path: p.path,
          schema: true,
        });
    }
  });

  test('every edge procedure, through the edge app', async () => {
    const rng = seededRandom(SEED);
    const cases = [
      ...procedureCases(edgeProcedures, rng, schemaForEdge, knownIds),
      ...brokenHttpCases(edgeProcedures),
    ];
    const result = await run((r) => h.edge.handle(r), 'http://localhost:8080', cases, tokens);
    report('edge', result, cases.length);
    expect(result.findings).toEqual([]);
  }, 300_000);

  test("every core procedure, through the core's fetch handler", async () => {
    const rng = seededRandom(SEED + 1);
    const cases = [
      ...procedureCases(coreProcedures, rng, (p) => p.inputSchema, knownIds),
      ...brokenHttpCases(coreProcedures),
    ];
    const result = await run((r) => h.core.fetchHandler(r), 'http://core.test', cases, tokens);
    report('core', result, cases.length);
    expect(result.findings).toEqual([]);
  }, 300_000);

  test('every tile URL, through the edge app', async () => {
    const cases = tileCases(seededRandom(SEED + 2));
    const result = await run((r) => h.edge.handle(r), 'http://localhost:8080', cases, tokens);
    report('tiles', result, cases.length);
    expect(result.findings).toEqual([]);
  }, 300_000);

  test('nothing reached Object.prototype', () => {
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------
// The same over real HTTP through the real front door: Caddy with the repository's Caddyfile
// in front of an edge on a port (Caddy's own limits answer first for the largest requests).
const caddyBin = Bun.which('caddy');
describe.skipIf(!caddyBin)('fuzz through Caddy', () => {
  let served: ServedEdge;
  let caddy: ReturnType<typeof Bun.spawn> | null = null;
  let base = '';
  const scratch = mkdtempSync(join(tmpdir(), 'weltgewebe-fuzz-'));

  beforeAll(async () => {
    // No read limit: every request comes from 127.0.0.1 here.
    served = await serveEdge(h.core, { protection: { readsPerMinute: 0 } });
    const web = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('web') });
    const port = await freePort();
    const home = join(scratch, 'home');
    mkdirSync(home, { recursive: true });
    const log = join(scratch, 'caddy.log');
    caddy = Bun.spawn(
      [
        caddyBin!,
        'run',
        '--config',
        resolve(import.meta.dir, '../../Caddyfile'),
        '--adapter',
        'caddyfile',
      ],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: home,
          XDG_DATA_HOME: join(home, 'data'),
          XDG_CONFIG_HOME: join(home, 'config'),
          SITE_ADDRESS: `:${port}`,
          EDGE_UPSTREAMS: served.url.replace('http://', ''),
          WEB_UPSTREAMS: `127.0.0.1:${web.port}`,
        },
        stdout: Bun.file(log),
        stderr: Bun.file(`${log}.err`),
      },
    );
    base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      try {
        if ((await fetch(`${base}/health`)).status === 200) return;
      } catch {}
      await Bun.sleep(200);
    }
    const err = existsSync(`${log}.err`) ? readFileSync(`${log}.err`, 'utf8') : '';
    throw new Error(`caddy did not become ready:\n${err.slice(-2000)}`);
  });

  afterAll(async () => {
    caddy?.kill('SIGTERM');
    await caddy?.exited;
    await served?.stop();
    if (!process.env.FUZZ_KEEP) rmSync(scratch, { recursive: true, force: true });
    else console.log('caddy scratch', scratch);
  });

  test('every edge procedure and tile URL over HTTP through Caddy', async () => {
    const rng = seededRandom(SEED + 3);
    const cases: Case[] = [];
    for (const procedure of edgeProcedures) {
      for (const auth of ['anonymous', 'token'] as const) {
        for (const weird of [...ESSENTIAL, ...rng.sample(MORE, 3)])
          cases.push(call(procedure, weird.json, `input = ${weird.name}`, auth));
      }
    }
    cases.push(...brokenHttpCases(edgeProcedures), ...tileCases(rng));
    // Caddy's own refusals (request too large: its plain-text error page or Go's) come before
    // any service; they are 4xx and counted, not JSON.
    const byCaddy = (response: Response, body: string) =>
      !response.headers.has('x-request-id') || /^\d{3} [A-Z]/.test(body);
    const result = await run((r) => fetch(r), base, cases, tokens, byCaddy);
    report('through Caddy', result, cases.length);
    expect(result.findings).toEqual([]);
  }, 300_000);
});
