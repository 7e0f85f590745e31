// Forged and broken tokens against the edge's real request handler, as bearer header and as
// the web's wg_at cookie, for commands, reads and (with AUTH_REQUIRED_FOR_READ) tiles: every
// one is HTTP 401 INVALID_TOKEN, never a 500, and nothing reaches the core. Keys out of reach
// are 503 AUTH_UNAVAILABLE, not the caller's fault. The provider's key rotation is picked up
// by edge and core without a restart.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createPool, type Sql } from '@weltgewebe/db/client';
import { startTokenAttacks, type TokenAttackSetup } from '@weltgewebe/infra/testing';
import { createLogger, createServiceMetrics } from '@weltgewebe/kit';
import { type CoreHarness, startCoreHarness } from '../../../core/src/testing/core-harness.ts';
import { createEdge, type Edge } from '../app.ts';
import { createCoreClient } from '../core-client.ts';

const ORIGIN = 'http://localhost:8080';
/** Short, so the tests need not wait out the default 10 s after the attack matrix. */
const COOLDOWN_MS = 1_500;

let forge: TokenAttackSetup;
let core: CoreHarness;
let sql: Sql;
let edge: Edge;
let privateEdge: Edge;

const buildEdge = (authRequiredForRead: boolean) =>
  createEdge({
    sql,
    core: createCoreClient('http://core.test', 5_000, ((url: string, init: RequestInit) =>
      core.fetchHandler(new Request(url, init))) as typeof fetch),
    verifier: forge.verifier(),
    log: createLogger('edge', { sink: () => {} }),
    metrics: createServiceMetrics('edge'),
    authRequiredForRead,
    allowedOrigins: [ORIGIN],
    tileCacheBytes: 8 * 1024 * 1024,
    checks: {},
  });

beforeAll(async () => {
  forge = await startTokenAttacks({ jwksRefetchCooldownMs: COOLDOWN_MS });
  core = await startCoreHarness({ verifier: forge.verifier() });
  sql = createPool(core.db.edgeUrl, { applicationName: 'edge-attacks-test', max: 5 });
  edge = buildEdge(false);
  privateEdge = buildEdge(true);
}, 60_000);
afterAll(async () => {
  await sql?.end({ timeout: 2 });
  await core?.stop();
  await forge?.stop();
});

interface Answer {
  status: number;
  code: string | null;
}

/** Status and the stable code: tRPC's domainCode, or the code of a plain JSON error (tiles). */
async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  let code: string | null = null;
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; data?: { domainCode?: string } } };
    code =
      body.error?.data?.domainCode ??
      (typeof body.error?.code === 'string' ? body.error.code : null);
  } catch {
    // Tiles answer protobuf.
  }
  return { status: response.status, code };
}

type Credential = { authorization: string } | { cookie: string } | Record<string, never>;
const asHeaders = (credential: Credential) => ({ ...credential });

const createNode = (credential: Credential, target: Edge = edge) =>
  target
    .handle(
      new Request(`${ORIGIN}/trpc/nodes.create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: ORIGIN, ...asHeaders(credential) },
        body: JSON.stringify({
          operationId: crypto.randomUUID(),
          kind: 'place',
          title: 'Angriffsziel',
          lat: 48.14,
          lon: 11.58,
        }),
      }),
    )
    .then(answer);

const readNodes = (credential: Credential, target: Edge = edge) =>
  target
    .handle(
      new Request(
        `${ORIGIN}/trpc/nodes.inBBox?input=${encodeURIComponent(
          JSON.stringify({ west: 11, south: 48, east: 12, north: 49 }),
        )}`,
        { headers: asHeaders(credential) },
      ),
    )
    .then(answer);

const tile = (credential: Credential, target: Edge = privateEdge) =>
  target
    .handle(new Request(`${ORIGIN}/tiles/nodes/3/4/2.mvt`, { headers: asHeaders(credential) }))
    .then(answer);

const bearer = (token: string): Credential => ({ authorization: `Bearer ${token}` });
const cookie = (token: string): Credential => ({ cookie: `theme=dark; wg_at=${token}` });

const nodeCount = async () =>
  (await core.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM nodes`)[0]!.n;

const refused: Answer = { status: 401, code: 'INVALID_TOKEN' };

describe('the edge refuses forged tokens', () => {
  test('control: a good token works as header and as cookie, for commands, reads and tiles', async () => {
    const token = await forge.goodToken({ sub: 'forge-control' });
    expect(await createNode(bearer(token))).toEqual({ status: 200, code: null });
    expect(await createNode(cookie(token))).toEqual({ status: 200, code: null });
    expect(await readNodes(cookie(token))).toEqual({ status: 200, code: null });
    expect((await tile(bearer(token))).status).toBe(200);
  });

  test('every attack token is 401 INVALID_TOKEN as header and as cookie; nothing reaches the core', async () => {
    const before = await nodeCount();
    const results: Record<string, Record<string, Answer>> = {};
    for (const { name, token } of forge.attacks) {
      results[name] = {
        'command, header': await createNode(bearer(token)),
        'command, cookie': await createNode(cookie(token)),
        'read, header': await readNodes(bearer(token)),
        'read, cookie': await readNodes(cookie(token)),
      };
    }
    const expected = {
      'command, header': refused,
      'command, cookie': refused,
      'read, header': refused,
      'read, cookie': refused,
    };
    expect(results).toEqual(Object.fromEntries(forge.attacks.map((a) => [a.name, expected])));
    expect(await nodeCount()).toBe(before);
  });

  test('with AUTH_REQUIRED_FOR_READ every attack token gets 401 INVALID_TOKEN for tiles, not a tile', async () => {
    const results: Record<string, Record<string, Answer>> = {};
    for (const { name, token } of forge.attacks) {
      results[name] = { header: await tile(bearer(token)), cookie: await tile(cookie(token)) };
    }
    expect(results).toEqual(
      Object.fromEntries(forge.attacks.map((a) => [a.name, { header: refused, cookie: refused }])),
    );
  });

  test('empty or odd credentials are 401, not anonymous and not a 500', async () => {
    const forms: Record<string, Credential> = {
      'Bearer and nothing': { authorization: 'Bearer' },
      'Bearer and spaces': { authorization: 'Bearer    ' },
      'Basic credentials': { authorization: 'Basic d2VhdmVyOmRlbW8=' },
      'two tokens': { authorization: 'Bearer a b' },
      'empty cookie': { cookie: 'wg_at=' },
      'cookie with broken %-escapes': { cookie: 'wg_at=%E0%A4%A' },
      'cookie with a quoted token': { cookie: 'wg_at="abc.def.ghi"' },
    };
    const results: Record<string, { command: Answer; read: Answer; tile: Answer }> = {};
    for (const [name, credential] of Object.entries(forms)) {
      results[name] = {
        command: await createNode(credential),
        read: await readNodes(credential),
        tile: await tile(credential),
      };
    }
    expect(results).toEqual(
      Object.fromEntries(
        Object.keys(forms).map((n) => [n, { command: refused, read: refused, tile: refused }]),
      ),
    );
    // No credentials at all: anonymous, so reads work and commands ask for a sign-in; where
    // reads need a sign-in, tiles and reads ask for one too.
    expect(await readNodes({})).toEqual({ status: 200, code: null });
    expect(await createNode({})).toEqual({ status: 401, code: 'UNAUTHORIZED' });
    const signIn = { status: 401, code: 'UNAUTHORIZED' };
    expect(await tile({})).toEqual(signIn);
    expect(await readNodes({}, privateEdge)).toEqual(signIn);
  });

  test('a good cookie without our Origin (or with Origin: null) cannot command', async () => {
    const token = await forge.goodToken();
    const post = (headers: Record<string, string>) =>
      edge
        .handle(
          new Request(`${ORIGIN}/trpc/nodes.create`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', cookie: `wg_at=${token}`, ...headers },
            body: JSON.stringify({
              operationId: crypto.randomUUID(),
              kind: 'place',
              title: 'x',
              lat: 1,
              lon: 1,
            }),
          }),
        )
        .then(answer);
    const crossSite = { status: 403, code: 'CROSS_SITE_REQUEST' };
    expect(await post({})).toEqual(crossSite);
    expect(await post({ origin: 'null' })).toEqual(crossSite);
    expect(await post({ origin: 'http://localhost:8081' })).toEqual(crossSite);
    expect(await post({ referer: 'http://localhost:8080.evil.example/page' })).toEqual(crossSite);
    expect(await post({ referer: `${ORIGIN}/#13/53.5/10` })).toEqual({ status: 200, code: null });
  });
});

describe('provider keys out of reach', () => {
  test('a good token on an edge that cannot fetch the keys is 503 AUTH_UNAVAILABLE for reads and tiles', async () => {
    const token = await forge.goodToken();
    const fresh = buildEdge(true);
    forge.provider.setJwksAvailable(false);
    try {
      const unavailable = { status: 503, code: 'AUTH_UNAVAILABLE' };
      expect(await tile(bearer(token), fresh)).toEqual(unavailable);
      expect(await readNodes(bearer(token), fresh)).toEqual(unavailable);
    } finally {
      forge.provider.setJwksAvailable(true);
    }
  });
});

describe('key rotation at the provider', () => {
  test('edge and core, both holding the old keys, accept the new kid without a restart', async () => {
    const before = await forge.login('weaver');
    expect((await createNode(bearer(before.accessToken))).status).toBe(200);
    // The attack matrix used the refetch a moment ago; wait that cooldown out.
    await Bun.sleep(COOLDOWN_MS + 100);
    const fetches = forge.provider.jwksFetches();

    await forge.provider.oidc.rotateKeys();
    const after = await forge.login('admin');
    expect(await createNode(bearer(after.accessToken))).toEqual({ status: 200, code: null });
    expect(await createNode(cookie(after.accessToken))).toEqual({ status: 200, code: null });
    // One fetch by the edge, one by the core.
    expect(forge.provider.jwksFetches() - fetches).toBe(2);
  });

  test('a flood of made-up kids is refused at the edge and hardly touches the JWKS', async () => {
    const flood = await forge.unknownKidTokens(200);
    const fetches = forge.provider.jwksFetches();
    const started = performance.now();
    const answers = await Promise.all(flood.map((token) => readNodes(bearer(token))));
    const elapsed = performance.now() - started;
    expect(new Set(answers.map((a) => JSON.stringify(a)))).toEqual(
      new Set([JSON.stringify(refused)]),
    );
    expect(forge.provider.jwksFetches() - fetches).toBeLessThanOrEqual(
      1 + Math.floor(elapsed / COOLDOWN_MS),
    );
  });
});
