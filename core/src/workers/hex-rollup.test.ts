// hex-rollup against real PostgreSQL + NATS: a worker that dies mid-batch (some events
// committed but never acked, one rolled back) and then restarts leaves exact counts.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { cellOutlineWkt } from '@weltgewebe/db/h3';
import {
  consumeDurable,
  ensureDurableConsumer,
  jetstreamManager,
} from '@weltgewebe/events/jetstream';
import { createLogger } from '@weltgewebe/kit';
import { cellToBoundary } from 'h3-js';
import { cellsOf } from '../geo/h3-cells.ts';
import { type CoreHarness, startCoreHarness } from '../testing/core-harness.ts';
import { EventWorker, type Outcome, processEnvelope } from './event-worker.ts';
import { hexRollupHandler, rebuildRollups } from './hex-rollup.ts';
import {
  consumerDrained,
  outboxPublished,
  purgeStream,
  recountRollups,
  storedRollups,
} from './worker-testing.ts';

let h: CoreHarness;
beforeAll(async () => {
  h = await startCoreHarness();
  await purgeStream(h.nc);
  await h.relay.start();
});
afterAll(async () => {
  await h.stop();
});

const places = [
  { lat: 53.5511, lon: 9.9937 }, // Hamburg
  { lat: 53.5625, lon: 10.0101 },
  { lat: 52.52, lon: 13.405 }, // Berlin
  { lat: 48.1374, lon: 11.5755 }, // München
];
const kinds = ['place', 'resource', 'project'] as const;

describe('hex-rollup', () => {
  test('a worker killed mid-batch and restarted counts every node, thread and account exactly once', async () => {
    const weaver = await h.clientAs('weaver');
    const reader = await h.clientAs('reader');
    const ids: string[] = [];
    for (let i = 0; i < 24; i++) {
      const client = i % 3 === 0 ? reader : weaver;
      const node = await client.nodes.create.mutate({
        operationId: crypto.randomUUID(),
        kind: kinds[i % kinds.length]!,
        title: `Knoten ${i}`,
        ...places[i % places.length]!,
      });
      ids.push(node.id);
    }
    // The real commands: a move to another city with a change of kind, a removal, a
    // moderation hide, Garnrollen placed (radius), moved, and placed then hidden again.
    const admin = await h.clientAs('admin');
    await weaver.nodes.update.mutate({
      id: ids[1]!,
      expectedVersion: 1,
      operationId: crypto.randomUUID(),
      kind: 'project',
      ...places[3]!,
    });
    await weaver.nodes.remove.mutate({
      id: ids[2]!,
      expectedVersion: 1,
      operationId: crypto.randomUUID(),
    });
    await admin.nodes.hide.mutate({ id: ids[4]!, hidden: true });
    await reader.accounts.setLocation.mutate({ mapState: 'radius', radiusM: 500, ...places[2]! });
    await reader.accounts.setLocation.mutate({ mapState: 'exact', ...places[3]! });
    await weaver.accounts.setLocation.mutate({ mapState: 'exact', ...places[0]! });
    await admin.accounts.setLocation.mutate({ mapState: 'exact', ...places[1]! });
    await admin.accounts.hide.mutate();
    await outboxPublished(h.sql);

    const durable = `hex-rollup-${crypto.randomUUID().slice(0, 8)}`;
    const handler = hexRollupHandler(durable);
    const jsm = await jetstreamManager(h.nc);
    await ensureDurableConsumer(jsm, { durable, filterSubjects: ['gewebe.>'], ackWaitMs: 1_000 });

    // The first life: commits 10 relevant events without acking any, then dies inside the
    // transaction of the 11th (rolled back).
    const crash = new AbortController();
    const firstLife: string[] = [];
    const malformed = (info: { subject: string }) => {
      throw new Error(`malformed event on ${info.subject}`);
    };
    for await (const event of consumeDurable(h.js, durable, crash.signal, malformed)) {
      if (!handler.types.includes(event.envelope.type)) continue;
      if (firstLife.length < 10) {
        expect(await processEnvelope(h.sql, handler, event.envelope)).toBe('processed');
        firstLife.push(event.envelope.id);
        continue;
      }
      const dying = {
        ...handler,
        handle: async (...args: Parameters<typeof handler.handle>) => {
          await handler.handle(...args);
          throw new Error('worker killed');
        },
      };
      await expect(processEnvelope(h.sql, dying, event.envelope)).rejects.toThrow('worker killed');
      crash.abort();
    }
    const inbox = await h.sql`SELECT event_id FROM consumer_inbox WHERE consumer = ${durable}`;
    expect(inbox.length).toBe(10);

    // The second life gets everything again after the ack wait (and, on a busy machine, an
    // event it is still working on may come again: the inbox must make that a duplicate too).
    const outcomes: Record<string, string[]> = {};
    const worker = new EventWorker({
      sql: h.sql,
      js: h.js,
      jsm,
      log: createLogger('workers', { sink: () => {} }),
      handler,
      ackWaitMs: 1_000,
      onOutcome: (o: Outcome | 'failed', envelope) => {
        outcomes[o] = [...(outcomes[o] ?? []), envelope.id];
      },
    });
    await worker.start();
    await consumerDrained(h.nc, durable);
    await worker.stop();

    const relevant = (
      await h.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox
        WHERE envelope->>'type' = ANY(${[...handler.types]})`
    )[0]!.n;
    // Each event had its effect exactly once: the first life's ten come back as duplicates
    // only, every other relevant event is processed once.
    const processed = outcomes.processed ?? [];
    expect(new Set(processed).size).toBe(processed.length);
    expect(processed.length).toBe(relevant - 10);
    expect(processed.filter((id) => firstLife.includes(id))).toEqual([]);
    expect(firstLife.filter((id) => !outcomes.duplicate?.includes(id))).toEqual([]);
    expect(outcomes.failed).toBeUndefined();
    const stored = await storedRollups(h.sql);
    const recount = await recountRollups(h.sql);
    expect(stored).toEqual(recount);
    // What a person would notice: 22 live nodes (24 − removed − hidden), two Garnrollen on
    // the map (the third hid again), and the moved node counted in München as a project.
    const r3 = stored.filter((r) => r.resolution === 3);
    expect(r3.reduce((s, r) => s + r.nodes, 0)).toBe(22);
    expect(r3.reduce((s, r) => s + r.accounts, 0)).toBe(2);
    expect(r3.reduce((s, r) => s + r.threads, 0)).toBe(22);
    const munich = String(cellsOf(places[3]!.lat, places[3]!.lon).r9);
    expect(stored.find((r) => r.resolution === 9 && r.cell === munich)).toMatchObject({
      nodes: 7,
      nodes_project: 3,
      accounts: 1,
    });

    // A rebuild from the tables agrees with what the events built.
    await rebuildRollups(h.sql);
    expect(await storedRollups(h.sql)).toEqual(recount);
  });

  test('each rollup row carries its cell outline, and the outline holds the nodes counted in it', async () => {
    const outside = await h.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM nodes n JOIN h3_rollups r ON r.resolution = 9 AND r.cell = n.h3_r9
       WHERE n.removed_at IS NULL AND NOT ST_Intersects(r.boundary, n.location)`;
    expect(outside[0]!.n).toBe(0);
    const [valid] = await h.sql<{ bad: number; total: number }[]>`
      SELECT count(*) FILTER (WHERE NOT ST_IsValid(boundary))::int AS bad, count(*)::int AS total
        FROM h3_rollups`;
    expect(valid!.total).toBeGreaterThan(0);
    expect(valid!.bad).toBe(0);
    // A cell on the antimeridian stays on its centre's side instead of wrapping the globe.
    let crossing: bigint | null = null;
    for (let lat = -80; lat <= 80 && !crossing; lat += 0.5) {
      const cell = cellsOf(lat, 179.99).r3;
      const raw = cellToBoundary(cell.toString(16), true).map(([lon]) => lon);
      if (Math.max(...raw) - Math.min(...raw) > 180) crossing = cell;
    }
    expect(crossing).not.toBeNull();
    const wkt = cellOutlineWkt(crossing!);
    const lons = [...wkt.matchAll(/(-?[\d.]+) -?[\d.]+/g)].map((m) => Number(m[1]));
    expect(Math.max(...lons) - Math.min(...lons)).toBeLessThan(10);
  });
});
