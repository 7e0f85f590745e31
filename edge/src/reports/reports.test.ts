// reports.* through the edge: forwarded to the core with the caller's identity; the core's
// codes (role, validation) come back unchanged; without a token the edge refuses at once.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { TRPCClientError } from '@trpc/client';
import { accessTokenFor } from '@weltgewebe/infra/testing';
import { type EdgeHarness, startEdgeHarness } from '../testing/edge-harness.ts';

let h: EdgeHarness;
beforeAll(async () => {
  h = await startEdgeHarness();
});
afterAll(async () => {
  await h.stop();
});

const failure = (call: Promise<unknown>) =>
  call.then(
    () => null,
    (e: unknown) => (e as TRPCClientError<never>).data as unknown as Record<string, unknown>,
  );

describe('reports via the edge', () => {
  test('a reader reports, an admin dismisses from the queue, the reader sees the outcome', async () => {
    const weaver = h.client(await accessTokenFor('weaver'));
    const reader = h.client(await accessTokenFor('reader'));
    const admin = h.client(await accessTokenFor('admin'));
    const node = await weaver.nodes.create.mutate({
      operationId: crypto.randomUUID(),
      kind: 'place',
      title: 'Gemeldeter Ort',
      lat: 52.52,
      lon: 13.4,
    });
    const report = await reader.reports.create.mutate({ nodeId: node.id, reason: 'misleading' });
    expect(report.status).toBe('open');
    expect(await failure(reader.reports.queue.query())).toMatchObject({
      code: 'FORBIDDEN',
      domainCode: 'ROLE_REQUIRED',
    });
    expect(
      await failure(reader.reports.create.mutate({ nodeId: node.id, reason: 'nope' as never })),
    ).toMatchObject({ code: 'BAD_REQUEST', domainCode: 'VALIDATION_FAILED' });
    const queue = await admin.reports.queue.query();
    expect(queue.map((q) => q.id)).toContain(report.id);
    const done = await admin.reports.resolve.mutate({ id: report.id, outcome: 'dismissed' });
    expect(done).toMatchObject({ closed: 1, hiddenNode: null });
    expect((await reader.reports.mine.query()).find((r) => r.id === report.id)?.status).toBe(
      'dismissed',
    );
    const notes = await reader.notifications.list.query();
    expect(notes.items[0]?.text).toContain('wurde geprüft und zurückgewiesen');
  });

  test('without a token: UNAUTHORIZED', async () => {
    expect(
      await failure(
        h.client(null).reports.create.mutate({ nodeId: crypto.randomUUID(), reason: 'spam' }),
      ),
    ).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });
  });
});
