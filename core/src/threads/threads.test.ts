// threads.spin: a participation thread to a live node, renewed (not duplicated) while it
// lives, a fresh one after it ran out; events thread.spun / thread.renewed.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { TRPCClientError } from '@trpc/client';
import { type CoreHarness, startCoreHarness } from '../testing/core-harness.ts';
import { innerCallerAs } from '../testing/inner-caller.ts';
import { overlapping } from '../testing/overlapping.ts';

let h: CoreHarness;
let nodeId: string;
beforeAll(async () => {
  h = await startCoreHarness();
  const weaver = await h.clientAs('weaver');
  nodeId = (
    await weaver.nodes.create.mutate({
      operationId: crypto.randomUUID(),
      kind: 'project',
      title: 'Repair-Café',
      lat: 52.52,
      lon: 13.405,
    })
  ).id;
});
afterAll(async () => {
  await h.stop();
});

const HOUR = 3_600_000;

const threadEvents = (threadId: string) =>
  h.sql<{ subject: string; envelope: { data: Record<string, unknown> } }[]>`
    SELECT subject, envelope FROM outbox WHERE envelope->>'aggregateId' = ${threadId} ORDER BY seq`;

describe('threads.spin', () => {
  test('spins once, then renews the same thread; strength starts at 1', async () => {
    const reader = await h.clientAs('reader');
    await reader.accounts.setLocation.mutate({ mapState: 'exact', lat: 52.5, lon: 13.4 });
    const first = await reader.threads.spin.mutate({ nodeId, kind: 'participation' });
    expect(first).toMatchObject({ nodeId, kind: 'participation', renewed: false, strength: 1 });
    expect(Date.parse(first.expiresAt) - Date.parse(first.spunAt)).toBe(168 * HOUR);
    const again = await reader.threads.spin.mutate({ nodeId, kind: 'participation' });
    expect(again.id).toBe(first.id);
    expect(again.renewed).toBeTrue();
    expect(Date.parse(again.expiresAt)).toBeGreaterThanOrEqual(Date.parse(first.expiresAt));
    const live = await h.sql`SELECT id FROM threads
      WHERE node_id = ${nodeId} AND kind = 'participation' AND expired_at IS NULL`;
    expect(live.length).toBe(1);
    const events = await threadEvents(first.id);
    expect(events.map((e) => e.subject)).toEqual(['gewebe.thread.spun', 'gewebe.thread.renewed']);
    expect(events[0]!.envelope.data).toMatchObject({
      nodeId,
      kind: 'participation',
      from: { lat: 52.5, lon: 13.4 },
      to: { lat: 52.52, lon: 13.405 },
    });
  });

  test('a thread past its 168 hours is closed and a new one spun', async () => {
    const subject = `threads-${crypto.randomUUID()}`;
    const weekAgo = innerCallerAs(h, subject, { now: () => new Date(Date.now() - 170 * HOUR) });
    const old = await weekAgo.threads.spin({ nodeId, kind: 'participation' });
    const today = await innerCallerAs(h, subject).threads.spin({ nodeId, kind: 'participation' });
    expect(today.id).not.toBe(old.id);
    expect(today.renewed).toBeFalse();
    const [closed] = await h.sql`SELECT expired_at FROM threads WHERE id = ${old.id}`;
    expect(closed!.expired_at).not.toBeNull();
    // Not on the map: the thread has no line start.
    expect((await threadEvents(today.id))[0]!.envelope.data.from).toBeNull();
  });

  test('two overlapping spins of the same thread: one spun, one renewed', async () => {
    const caller = innerCallerAs(h, `threads-${crypto.randomUUID()}`);
    await caller.accounts.me(); // provisioned beforehand: no account.registered in the way
    const [first, second] = await overlapping(
      h.sql,
      () => caller.threads.spin({ nodeId, kind: 'participation' }),
      () => caller.threads.spin({ nodeId, kind: 'participation' }),
    );
    expect(second.id).toBe(first.id);
    expect([first.renewed, second.renewed]).toEqual([false, true]);
  });

  test('a spin repeated with its operationId (an answer lost, a retry) renews nothing', async () => {
    const caller = innerCallerAs(h, `threads-${crypto.randomUUID()}`);
    const operationId = crypto.randomUUID();
    const first = await caller.threads.spin({ nodeId, kind: 'participation', operationId });
    const retry = await caller.threads.spin({ nodeId, kind: 'participation', operationId });
    expect(retry).toEqual(first);
    // One effect: one event, not a spin and a renewal.
    expect((await threadEvents(first.id)).map((e) => e.subject)).toEqual(['gewebe.thread.spun']);
    // A new operation is a new spin: the thread is renewed.
    const next = await caller.threads.spin({
      nodeId,
      kind: 'participation',
      operationId: crypto.randomUUID(),
    });
    expect(next).toMatchObject({ id: first.id, renewed: true });
    const reused = (await caller.threads
      .spin({ nodeId: crypto.randomUUID(), kind: 'participation', operationId })
      .catch((e: unknown) => e)) as { code?: string; domainCode?: string };
    expect(reused).toMatchObject({ code: 'CONFLICT' });
  });

  test('refusals: unknown node NOT_FOUND, other kinds BAD_REQUEST, no token UNAUTHORIZED', async () => {
    const reader = await h.clientAs('reader');
    const missing = (await reader.threads.spin
      .mutate({ nodeId: crypto.randomUUID(), kind: 'participation' })
      .catch((e: unknown) => e)) as TRPCClientError<never>;
    expect(missing.data).toMatchObject({ code: 'NOT_FOUND', domainCode: 'NODE_NOT_FOUND' });
    const wrongKind = (await reader.threads.spin
      .mutate({ nodeId, kind: 'knotting' as 'participation' })
      .catch((e: unknown) => e)) as TRPCClientError<never>;
    expect(wrongKind.data).toMatchObject({ code: 'BAD_REQUEST', domainCode: 'VALIDATION_FAILED' });
    const anonymous = (await h
      .clientFor(null)
      .threads.spin.mutate({ nodeId, kind: 'participation' })
      .catch((e: unknown) => e)) as TRPCClientError<never>;
    expect(anonymous.data).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });
  });

  test('a removed node takes no threads', async () => {
    const weaver = await h.clientAs('weaver');
    const gone = await weaver.nodes.create.mutate({
      operationId: crypto.randomUUID(),
      kind: 'place',
      title: 'Abgerissen',
      lat: 52.5,
      lon: 13.3,
    });
    await h.sql`UPDATE nodes SET removed_at = now() WHERE id = ${gone.id}`;
    const error = (await weaver.threads.spin
      .mutate({ nodeId: gone.id, kind: 'participation' })
      .catch((e: unknown) => e)) as TRPCClientError<never>;
    expect(error.data).toMatchObject({ code: 'NOT_FOUND', domainCode: 'NODE_NOT_FOUND' });
  });
});
