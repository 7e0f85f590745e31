// After a restore, replay from the outbox brings consumers in line: events the relay had
// published but the workers had not yet handled at the recovery point are published again
// into a fresh stream, the workers' effects appear once (rollups, a notification), and what a
// worker had already handled is not marked again.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { connectNats, ensureStream, jetstream } from '@weltgewebe/events/jetstream';
import { type NatsHandle, startNats } from '@weltgewebe/infra/services';
import { testServices } from '@weltgewebe/infra/testing';
import { createLogger } from '@weltgewebe/kit';
import { type CoreHarness, startCoreHarness } from '../testing/core-harness.ts';
import { processEnvelope } from '../workers/event-worker.ts';
import { hexRollupHandler } from '../workers/hex-rollup.ts';
import { outboxPublished, purgeStream, waitFor } from '../workers/worker-testing.ts';
import { startWorkers } from '../workers/workers.ts';
import { OutboxRelay } from './relay.ts';
import {
  consistencyReport,
  deleteStream,
  durableConsumers,
  markForReplay,
} from './replay-after-restore.ts';

let h: CoreHarness;
let restoredNats: NatsHandle;
beforeAll(async () => {
  h = await startCoreHarness();
  await purgeStream(h.nc);
  const { root } = await testServices();
  // The restored stack's own NATS, so its durable consumers touch no other test's stream.
  restoredNats = await startNats({ storeDir: join(root, `nats-replay-${crypto.randomUUID()}`) });
});
afterAll(async () => {
  await h.stop();
  await restoredNats?.stop();
});

describe('replay after a restore', () => {
  test('consumers end up consistent with the restored database, each effect once', async () => {
    const weaver = await h.clientAs('weaver');
    const reader = await h.clientAs('reader');
    const nodes: { id: string }[] = [];
    for (const [i, at] of [
      { lat: 53.5511, lon: 9.9937 },
      { lat: 52.52, lon: 13.405 },
    ].entries()) {
      nodes.push(
        await weaver.nodes.create.mutate({
          operationId: crypto.randomUUID(),
          kind: 'place',
          title: `Wiederhergestellt ${i}`,
          ...at,
        }),
      );
    }
    await reader.threads.spin.mutate({ nodeId: nodes[0]!.id });
    // At the recovery point the relay had published everything ...
    await h.relay.start();
    await outboxPublished(h.sql);
    await h.relay.stop();
    // ... and hex-rollup had handled the first node only; the notifier nothing.
    const [first] = await h.sql<{ envelope: never }[]>`
      SELECT envelope FROM outbox WHERE envelope->>'type' = 'node.created' ORDER BY seq LIMIT 1`;
    expect(await processEnvelope(h.sql, hexRollupHandler(), first!.envelope)).toBe('processed');

    const before = await consistencyReport(h.sql);
    expect(before.consistent).toBe(false);
    expect(before.rollupCellsOff).toBeGreaterThan(0);
    // Events no consumer has an effect for (account.registered) need no replay.
    const wanted = [...new Set(durableConsumers().flatMap((c) => c.types))];
    const [count] = await h.sql<{ total: number }[]>`
      SELECT count(*)::int AS total FROM outbox WHERE envelope->>'type' = ANY(${wanted}::text[])`;

    const nc = await connectNats(restoredNats.url, 'replay-test');
    try {
      const replayed = await markForReplay(h.sql);
      // Every wanted event but the first node.created (handled; no other consumer wants it).
      expect(replayed).toBe(count!.total - 1);
      expect(await deleteStream(nc)).toBe(false); // the restored stack's NATS starts empty

      // As relay-main and workers/main do on start.
      await ensureStream(nc);
      const log = createLogger('replay-test', { sink: () => {} });
      const relay = new OutboxRelay({ sql: h.sql, js: jetstream(nc), log, pollIntervalMs: 200 });
      const workers = await startWorkers({ sql: h.sql, nc, js: jetstream(nc), log });
      await relay.start();
      try {
        const after = await waitFor(
          () => consistencyReport(h.sql),
          (r) => r.consistent,
          30_000,
        );
        expect(after).toMatchObject({ unpublished: 0, rollupCellsOff: 0, consistent: true });
        for (const c of durableConsumers()) expect(after.unhandled[c.name]).toBe(0);
      } finally {
        await relay.stop();
        await workers.stop();
      }
      // The creator hears once about the "I'm in", as before the restore would have.
      const notes = await weaver.notifications.list.query({});
      expect(notes.items.filter((n) => n.nodeId === nodes[0]!.id)).toHaveLength(1);
      // A second replay finds nothing left to do.
      expect(await markForReplay(h.sql)).toBe(0);
      // The stream the restored stack made is the one a next restore would delete.
      expect(await deleteStream(nc)).toBe(true);
    } finally {
      await nc.drain();
    }
  }, 90_000);
});
