// The relay against real PostgreSQL + NATS: NATS killed while commands keep coming, then
// restarted, and two relays side by side; every outbox row reaches the stream and a durable
// consumer exactly once.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { EVENT_TYPES, STREAM_NAME } from '@weltgewebe/events/contracts';
import { jetstreamManager } from '@weltgewebe/events/jetstream';
import { testServices } from '@weltgewebe/infra/testing';
import { createLogger } from '@weltgewebe/kit';
import { type CoreHarness, startCoreHarness } from '../testing/core-harness.ts';
import { EventWorker } from '../workers/event-worker.ts';
import { consumerDrained, outboxPublished, purgeStream } from '../workers/worker-testing.ts';
import { OutboxRelay } from './relay.ts';
import { writeEvent } from './write-event.ts';

let h: CoreHarness;
const log = createLogger('relay', { sink: () => {} });

beforeAll(async () => {
  h = await startCoreHarness();
  await purgeStream(h.nc);
});
afterAll(async () => {
  await h.stop();
});

async function outboxIds(): Promise<string[]> {
  return (await h.sql<{ id: string }[]>`SELECT id FROM outbox ORDER BY seq`).map((r) => r.id);
}

describe('outbox relay', () => {
  test('NATS killed while commands keep coming, then restarted: every event reaches a durable consumer exactly once', async () => {
    const { nats } = await testServices();
    const relay = new OutboxRelay({
      sql: h.sql,
      js: h.js,
      log,
      pollIntervalMs: 200,
      maxBackoffMs: 500,
    });
    await relay.start();
    const effects = new Map<string, number>();
    const durable = `delivery-${crypto.randomUUID().slice(0, 8)}`;
    const worker = new EventWorker({
      sql: h.sql,
      js: h.js,
      jsm: await jetstreamManager(h.nc),
      log,
      ackWaitMs: 2_000,
      handler: {
        name: durable,
        types: EVENT_TYPES,
        handle: async (_tx, envelope) => {
          effects.set(envelope.id, (effects.get(envelope.id) ?? 0) + 1);
        },
      },
    });
    await worker.start();

    const clients = await Promise.all(
      (['reader', 'weaver', 'admin'] as const).map((r) => h.clientAs(r)),
    );
    let i = 0;
    const create = () =>
      clients[i % 3]!.nodes.create.mutate({
        operationId: crypto.randomUUID(),
        kind: 'place',
        title: `Knoten ${i++}`,
        lat: 53.5 + i * 0.001,
        lon: 10,
      });

    for (let k = 0; k < 10; k++) await create();
    await nats.kill();
    // Commands do not need NATS: they keep committing while the relay backs off.
    for (let k = 0; k < 15; k++) {
      await create();
      await Bun.sleep(50);
    }
    await Bun.sleep(1_000);
    const [stuck] = await h.sql<{ pending: number; tried: number }[]>`
      SELECT count(*) FILTER (WHERE published_at IS NULL)::int AS pending,
             count(*) FILTER (WHERE attempts > 0)::int AS tried FROM outbox`;
    expect(stuck!.pending).toBeGreaterThan(0);
    await nats.restart();
    for (let k = 0; k < 10; k++) await create();
    await outboxPublished(h.sql);
    // A relay that died after publishing but before marking publishes those rows again.
    await h.sql`UPDATE outbox SET published_at = NULL
      WHERE id IN (SELECT id FROM outbox ORDER BY seq LIMIT 8)`;
    await outboxPublished(h.sql);
    await consumerDrained(h.nc, durable, 30_000);
    await worker.stop();
    await relay.stop();

    const ids = await outboxIds();
    const [created] = await h.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM outbox WHERE subject = 'gewebe.node.created'`;
    expect(created!.n).toBe(35);
    expect([...effects.keys()].sort()).toEqual([...ids].sort());
    expect([...effects.values()].every((n) => n === 1)).toBe(true);
    const info = await (await jetstreamManager(h.nc)).streams.info(STREAM_NAME);
    expect(info.state.messages).toBe(ids.length);
    const [inbox] = await h.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM consumer_inbox WHERE consumer = ${durable}`;
    expect(inbox!.n).toBe(ids.length);
  }, 90_000);

  test('two relays at once publish every row exactly once', async () => {
    const published = [0, 0];
    const relays = [0, 1].map(
      (n) =>
        new OutboxRelay({
          sql: h.sql,
          js: h.js,
          log,
          batchSize: 5,
          pollIntervalMs: 200,
          maxBackoffMs: 500,
          onPublished: (count) => {
            published[n]! += count;
          },
        }),
    );
    await Promise.all(relays.map((r) => r.start()));
    const before = new Set(await outboxIds());
    // Four writers, each committing 50 events in transactions of one to three rows.
    await Promise.all(
      [0, 1, 2, 3].map(async (w) => {
        for (let k = 0; k < 50; ) {
          const rows = Math.min(1 + (k % 3), 50 - k);
          await h.sql.begin(async (tx) => {
            for (let r = 0; r < rows; r++) {
              await writeEvent(
                tx,
                'map.viewed',
                { actorId: null, aggregateId: `writer-${w}`, version: 1 },
                { zoom: 5, count: k + r + 1 },
              );
            }
          });
          k += rows;
        }
      }),
    );
    await outboxPublished(h.sql);
    await Promise.all(relays.map((r) => r.stop()));

    const mine = (await outboxIds()).filter((id) => !before.has(id));
    expect(mine.length).toBe(200);
    // No row went out twice: the relays' counts add up to the rows, and both took part.
    expect(published[0]! + published[1]!).toBe(200);
    expect(published[0]).toBeGreaterThan(0);
    expect(published[1]).toBeGreaterThan(0);
    const inStream = (await h.streamEvents('gewebe.map.viewed')).map((e) => e.id);
    expect(inStream.sort()).toEqual(mine.sort());
  });
});
