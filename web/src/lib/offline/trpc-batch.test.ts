// The service worker's reading of tRPC batch URLs: which it may answer, one key per call
// whatever the batch, and the answer it builds offline.
import { describe, expect, test } from 'bun:test';
import { cacheableBatch, callKey, composeBatch, resultsOf } from './trpc-batch';

const origin = 'https://weltgewebe.example';
const batchUrl = (paths: string[], inputs: Record<string, unknown>) =>
  new URL(
    `${origin}/trpc/${paths.join(',')}?batch=1&input=${encodeURIComponent(JSON.stringify(inputs))}`,
  );

describe('cacheableBatch', () => {
  test('a node read batched with its conversation is two calls with their own keys', () => {
    const calls = cacheableBatch(
      batchUrl(['nodes.byId', 'messages.list'], {
        0: { id: 'n1' },
        1: { nodeId: 'n1', limit: 200, cursor: null },
      }),
    );
    expect(calls?.map((c) => c.path)).toEqual(['nodes.byId', 'messages.list']);
    // The same read alone has the same key as inside the batch.
    const alone = cacheableBatch(batchUrl(['nodes.byId'], { 0: { id: 'n1' } }));
    expect(alone && callKey(origin, alone[0]!)).toBe(calls && callKey(origin, calls[0]!));
  });

  test('the order of an input’s keys does not change its key', () => {
    const a = cacheableBatch(batchUrl(['messages.list'], { 0: { nodeId: 'n', limit: 2 } }));
    const b = cacheableBatch(batchUrl(['messages.list'], { 0: { limit: 2, nodeId: 'n' } }));
    expect(a?.[0]?.input).toBe(b?.[0]?.input as string);
  });

  test('a read without input (weaveries.list) has a key', () => {
    const calls = cacheableBatch(new URL(`${origin}/trpc/weaveries.list?batch=1&input=%7B%7D`));
    expect(calls).toEqual([{ path: 'weaveries.list', cacheable: true, input: 'null' }]);
  });

  test('anything about the person, commands, the live stream and non-batches are left alone', () => {
    expect(cacheableBatch(batchUrl(['accounts.me'], {}))).toBeNull();
    expect(cacheableBatch(batchUrl(['notifications.list', 'alerts.list'], {}))).toBeNull();
    expect(cacheableBatch(batchUrl(['nodes.create'], { 0: {} }))).toBeNull();
    expect(cacheableBatch(new URL(`${origin}/trpc/live.changes?input=%7B%7D`))).toBeNull();
    expect(cacheableBatch(new URL(`${origin}/trpc/nodes.byId?input=%7B%7D`))).toBeNull();
    expect(cacheableBatch(new URL(`${origin}/trpc/nodes.byId?batch=1&input=%7Bbroken`))).toBeNull();
  });
});

test('a node read batched with accounts.me: only the node read may be kept', () => {
  const calls = cacheableBatch(batchUrl(['accounts.me', 'nodes.byId'], { 1: { id: 'n1' } }))!;
  expect(calls.map((c) => c.cacheable)).toEqual([false, true]);
  const me = { result: { data: { id: 'me', privateLocation: { lat: 1, lon: 2 } } } };
  const node = { result: { data: { id: 'n1' } } };
  expect(resultsOf([me, node], calls)).toEqual([null, node]);
  // Offline the node comes from the cache; the person's own read says it was not kept.
  const offline = composeBatch(calls, [null, node]);
  expect(offline?.status).toBe(207);
  expect(offline?.body[0]).toMatchObject({ error: { data: { path: 'accounts.me' } } });
});

describe('answers', () => {
  const calls = cacheableBatch(
    batchUrl(['nodes.byId', 'messages.list'], { 0: { id: 'n1' }, 1: { nodeId: 'n1' } }),
  )!;

  test('only results are kept, never errors', () => {
    const kept = resultsOf(
      [
        { result: { data: { id: 'n1' } } },
        { error: { message: 'x', data: { code: 'NOT_FOUND' } } },
      ],
      calls,
    );
    expect(kept).toEqual([{ result: { data: { id: 'n1' } } }, null]);
    expect(resultsOf({ not: 'a batch' }, calls)).toEqual([null, null]);
  });

  test('offline: all kept is a 200, some kept a 207 with an error for the rest, none is no answer', () => {
    const node = { result: { data: { id: 'n1' } } };
    const messages = { result: { data: { items: [], nextCursor: null } } };
    expect(composeBatch(calls, [node, messages])).toEqual({ status: 200, body: [node, messages] });
    const partly = composeBatch(calls, [node, null]);
    expect(partly?.status).toBe(207);
    expect(partly?.body[0]).toEqual(node);
    expect(partly?.body[1]).toMatchObject({
      error: { data: { code: 'SERVICE_UNAVAILABLE', path: 'messages.list' } },
    });
    expect(composeBatch(calls, [null, null])).toBeNull();
  });
});
