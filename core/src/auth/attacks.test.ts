// Forged and broken tokens against the core's real fetch handler: every one is HTTP 401 with
// the domain code INVALID_TOKEN (never a 500), nothing is written, and the provider's key
// rotation is picked up by a core that already holds the old keys, without a restart, while
// a flood of made-up kids hardly reaches the provider's JWKS.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startTokenAttacks, type TokenAttackSetup } from '@weltgewebe/infra/testing';
import { type CoreHarness, startCoreHarness } from '../testing/core-harness.ts';

let forge: TokenAttackSetup;
let h: CoreHarness;
/** Short, so the tests need not wait out the default 10 s after the attack matrix. */
const COOLDOWN_MS = 1_500;

beforeAll(async () => {
  forge = await startTokenAttacks({ jwksRefetchCooldownMs: COOLDOWN_MS });
  h = await startCoreHarness({ verifier: forge.verifier() });
}, 60_000);
afterAll(async () => {
  await h?.stop();
  await forge?.stop();
});

const nodeInput = () => ({
  operationId: crypto.randomUUID(),
  kind: 'place',
  title: 'Angriffsziel',
  lat: 53.55,
  lon: 9.99,
});

interface Answer {
  status: number;
  domainCode: string | null;
}

async function answer(response: Response): Promise<Answer> {
  const body = (await response.json()) as { error?: { data?: { domainCode?: string } } };
  return { status: response.status, domainCode: body.error?.data?.domainCode ?? null };
}

const createNode = (authorization: string | null) =>
  h
    .fetchHandler(
      new Request('http://core.test/trpc/nodes.create', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(authorization !== null ? { authorization } : {}),
        },
        body: JSON.stringify(nodeInput()),
      }),
    )
    .then(answer);

const stats = (authorization: string | null) =>
  h
    .fetchHandler(
      new Request(
        `http://core.test/trpc/weaveries.stats?input=${encodeURIComponent(JSON.stringify({ slug: 'nirgendwo' }))}`,
        { headers: authorization !== null ? { authorization } : {} },
      ),
    )
    .then(answer);

const nodeCount = async () =>
  (await h.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM nodes`)[0]!.n;

const refused: Answer = { status: 401, domainCode: 'INVALID_TOKEN' };

describe('the core refuses forged tokens', () => {
  test('control: a token with good claims, signed by the provider key, creates a node', async () => {
    const token = await forge.goodToken({ sub: 'forge-control' });
    expect(await createNode(`Bearer ${token}`)).toEqual({ status: 200, domainCode: null });
  });

  test('every attack token is 401 INVALID_TOKEN, for a command and a query; nothing is written', async () => {
    const before = await nodeCount();
    const results: Record<string, { command: Answer; query: Answer }> = {};
    for (const attack of forge.attacks) {
      results[attack.name] = {
        command: await createNode(`Bearer ${attack.token}`),
        query: await stats(`Bearer ${attack.token}`),
      };
    }
    // 'empty' sends "Bearer " and is covered with the other header forms below.
    expect(results).toEqual(
      Object.fromEntries(forge.attacks.map((a) => [a.name, { command: refused, query: refused }])),
    );
    expect(await nodeCount()).toBe(before);
  });

  test('an empty or odd Authorization header is 401 too, not anonymous and not a 500', async () => {
    const forms = [
      'Bearer',
      'Bearer ',
      'Bearer    ',
      'Basic d2VhdmVyOmRlbW8=',
      'Bearer a b',
      'Token abc',
    ];
    const results = Object.fromEntries(
      await Promise.all(forms.map(async (f) => [JSON.stringify(f), await createNode(f)] as const)),
    );
    expect(results).toEqual(Object.fromEntries(forms.map((f) => [JSON.stringify(f), refused])));
    // Without any header the caller is anonymous: commands need a sign-in, public reads work.
    expect(await createNode(null)).toEqual({ status: 401, domainCode: 'UNAUTHORIZED' });
    expect((await stats(null)).status).toBe(404);
  });
});

describe('key rotation at the provider', () => {
  test('a core that holds the old keys accepts tokens with the new kid, without a restart', async () => {
    const before = await forge.login('weaver');
    expect((await createNode(`Bearer ${before.accessToken}`)).status).toBe(200);
    // The unknown kids of the attack matrix used the refetch a moment ago; a rotation
    // inside that cooldown would be seen only after it (the price of the limit).
    await Bun.sleep(COOLDOWN_MS + 100);
    const fetches = forge.provider.jwksFetches();

    const newKid = await forge.provider.oidc.rotateKeys();
    const after = await forge.login('admin');
    expect(
      JSON.parse(Buffer.from(after.accessToken.split('.')[0]!, 'base64url').toString()).kid,
    ).toBe(newKid);
    expect(await createNode(`Bearer ${after.accessToken}`)).toEqual({
      status: 200,
      domainCode: null,
    });
    expect(forge.provider.jwksFetches() - fetches).toBe(1);
    // The old token is still good until it expires: the provider keeps publishing its key.
    expect((await createNode(`Bearer ${before.accessToken}`)).status).toBe(200);
  });

  test('a flood of made-up kids is refused and fetches the JWKS at most once per cooldown', async () => {
    const flood = await forge.unknownKidTokens(200);
    const fetches = forge.provider.jwksFetches();
    const started = performance.now();
    const answers = await Promise.all(flood.map((token) => stats(`Bearer ${token}`)));
    expect(new Set(answers.map((a) => JSON.stringify(a)))).toEqual(
      new Set([JSON.stringify(refused)]),
    );
    const elapsed = performance.now() - started;
    expect(forge.provider.jwksFetches() - fetches).toBeLessThanOrEqual(
      1 + Math.floor(elapsed / COOLDOWN_MS),
    );
    // Refusing them stays cheap: no request waits on the provider.
    expect(elapsed).toBeLessThan(5_000);
  });
});
