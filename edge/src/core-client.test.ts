// The edge's calls to several cores while one of them goes away (a rolling deploy): a core
// that is stopped, or one that breaks a connection before it answers (what a stopping core
// does to a pooled connection), costs the person nothing when repeating the call is harmless —
// the command carries its operationId or idempotencyKey, and the core that answers applies it
// once. A command without such an id is not repeated. A real core over HTTP on the real
// database; the one that fails is a stopped server or a socket that closes on the request.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { accessTokenFor } from '@weltgewebe/infra/testing';
import type { ApiError } from '@weltgewebe/kit';
import { type CoreHarness, startCoreHarness } from '../../core/src/testing/core-harness.ts';
import { createCoreClient, forwardToCore, repeatable } from './core-client.ts';

let h: CoreHarness;
let core: ReturnType<typeof Bun.serve>;
let coreUrl: string;
let coreCalls = 0;
let token: string;

beforeAll(async () => {
  h = await startCoreHarness();
  core = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: (request) => {
      if (new URL(request.url).pathname.startsWith('/trpc/')) coreCalls++;
      return h.fetchHandler(request);
    },
  });
  coreUrl = `http://127.0.0.1:${core.port}`;
  token = await accessTokenFor('weaver');
});

afterAll(async () => {
  core?.stop(true);
  await h?.stop();
});

/** A core that takes the connection and closes it on the request, before any answer. */
function breakingCore() {
  let requests = 0;
  const listener = Bun.listen({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      data(socket) {
        requests++;
        socket.end();
      },
    },
  });
  return {
    url: `http://127.0.0.1:${listener.port}`,
    requests: () => requests,
    stop: () => listener.stop(true),
  };
}

/** A fresh client (its first call goes to the first URL), as the weaver. */
const clientOver = (urls: string[]) =>
  createCoreClient(urls, 5_000)({ token, requestId: crypto.randomUUID() });

const nodesTitled = async (title: string) => {
  const [row] = await h.sql<
    { n: number }[]
  >`SELECT count(*)::int AS n FROM nodes WHERE title = ${title}`;
  return row!.n;
};

const newNode = (title: string) => ({
  operationId: crypto.randomUUID(),
  kind: 'place' as const,
  title,
  lat: 53.55,
  lon: 9.99,
});

describe('forwarding to several cores while one goes away', () => {
  test('a stopped core: the command goes to the other one and is applied once', async () => {
    const stopped = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: h.fetchHandler });
    const stoppedUrl = `http://127.0.0.1:${stopped.port}`;
    await stopped.stop(true);
    const input = newNode(`stopped core ${crypto.randomUUID()}`);
    const node = await forwardToCore(() =>
      clientOver([stoppedUrl, coreUrl]).nodes.create.mutate(input),
    );
    expect(node.id).toBeString();
    expect(await nodesTitled(input.title)).toBe(1);
  });

  test('a core that breaks the connection: a command with its operationId is applied once', async () => {
    const breaking = breakingCore();
    try {
      const input = newNode(`broken connection ${crypto.randomUUID()}`);
      const before = coreCalls;
      const node = await forwardToCore(() =>
        clientOver([breaking.url, coreUrl]).nodes.create.mutate(input),
      );
      expect(breaking.requests()).toBe(1);
      expect(coreCalls - before).toBe(1);
      // The person repeats it (their answer was slow): same answer, still one node.
      const again = await forwardToCore(() =>
        clientOver([breaking.url, coreUrl]).nodes.create.mutate(input),
      );
      expect(again.id).toBe(node.id);
      expect(breaking.requests()).toBe(2);
      expect(await nodesTitled(input.title)).toBe(1);

      const key = crypto.randomUUID();
      const post = { nodeId: node.id, body: `once ${key}`, idempotencyKey: key };
      const message = await forwardToCore(() =>
        clientOver([breaking.url, coreUrl]).messages.post.mutate(post),
      );
      const repeated = await forwardToCore(() =>
        clientOver([breaking.url, coreUrl]).messages.post.mutate(post),
      );
      expect(repeated.id).toBe(message.id);
      const [row] = await h.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM messages WHERE idempotency_key = ${key}`;
      expect(row!.n).toBe(1);
    } finally {
      breaking.stop();
    }
  });

  test('a command without an id is not repeated: the person hears CORE_UNAVAILABLE', async () => {
    const breaking = breakingCore();
    try {
      const node = await forwardToCore(() =>
        clientOver([coreUrl]).nodes.create.mutate(newNode(`no id ${crypto.randomUUID()}`)),
      );
      const before = coreCalls;
      const failure = await forwardToCore(() =>
        clientOver([breaking.url, coreUrl]).threads.spin.mutate({
          nodeId: node.id,
          kind: 'participation',
        }),
      ).catch((error: ApiError) => error);
      expect((failure as ApiError).domainCode).toBe('CORE_UNAVAILABLE');
      expect(breaking.requests()).toBe(1);
      expect(coreCalls - before).toBe(0);
    } finally {
      breaking.stop();
    }
  });

  test('what counts as harmless to repeat', () => {
    expect(repeatable({ method: 'GET' })).toBe(true);
    expect(repeatable({ method: 'POST', body: '{"operationId":"a"}' })).toBe(true);
    expect(repeatable({ method: 'POST', body: '{"idempotencyKey":"a"}' })).toBe(true);
    expect(repeatable({ method: 'POST', body: '{"nodeId":"a"}' })).toBe(false);
    expect(repeatable({ method: 'POST', body: 'not json' })).toBe(false);
  });
});
