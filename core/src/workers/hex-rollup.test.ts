// hex-rollup against real PostgreSQL + NATS: a worker that dies mid-batch (some events
// committed but never acked, one rolled back) and then restarts leaves exact counts.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import {
  consumeDurable,
  ensureDurableConsumer,
  jetstreamManager,
} from '@weltgewebe/events/jetstream';
import { createLogger } from '@weltgewebe/infra/kit';
import { cellToBoundary } from 'h3-js';
import { cellsOf } from '../geo/h3-cells.ts';
import { writeEvent } from '../outbox/write-event.ts';
import { type CoreHarness, startCoreHarness } from '../testing/core-harness.ts';
import { EventWorker, type Outcome, processEnvelope } from './event-worker.ts';
import { boundaryWkt, hexRollupHandler, rebuildRollups } from './hex-rollup.ts';
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

/** Moves a node in SQL with its node.updated event, as nodes.update does. */
async function moveNode(nodeId: string, to: { lat: number; lon: number }) {
  await h.sql.begin(async (tx) => {
    const c = cellsOf(to.lat, to.lon);
    const [n] = await tx<
      { kind: 'place'; title: string; lat: number; lon: number; version: number }[]
    >`
      UPDATE nodes SET location = ST_SetSRID(ST_MakePoint(${to.lon}, ${to.lat}), 4326),
        h3_r3 = ${String(c.r3)}, h3_r5 = ${String(c.r5)}, h3_r7 = ${String(c.r7)}, h3_r9 = ${String(c.r9)},
        version = version + 1
      FROM (SELECT ST_Y(location) AS lat, ST_X(location) AS lon FROM nodes WHERE id = ${nodeId}) old
      WHERE id = ${nodeId} RETURNING kind, title, old.lat, old.lon, version`;
    await writeEvent(
      tx,
      'node.updated',
      { actorId: null, aggregateId: nodeId, version: n!.version },
      {
        id: nodeId,
        kind: n!.kind,
        title: n!.title,
        topics: [],
        location: to,
        version: n!.version,
        previousLocation: { lat: n!.lat, lon: n!.lon },
        changed: ['location'],
      },
    );
  });
}

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
    // A move between cells, a removal and a moderation hide, each with its event.
    await moveNode(ids[0]!, places[2]!);
    await h.sql.begin(async (tx) => {
      await tx`UPDATE nodes SET removed_at = now(), version = version + 1 WHERE id = ${ids[1]!}`;
      await writeEvent(
        tx,
        'node.removed',
        { actorId: null, aggregateId: ids[1]!, version: 2 },
        { id: ids[1]!, location: places[1]!, version: 2 },
      );
      await tx`UPDATE nodes SET hidden_at = now(), version = version + 1 WHERE id = ${ids[2]!}`;
      await writeEvent(
        tx,
        'node.updated',
        { actorId: null, aggregateId: ids[2]!, version: 2 },
        {
          id: ids[2]!,
          kind: 'project',
          title: 'Knoten 2',
          topics: [],
          location: places[2]!,
          version: 2,
          previousLocation: places[2]!,
          changed: ['hidden'],
        },
      );
      // One Garnrolle on the map (exact) in Berlin.
      const [acc] = await tx<{ id: string }[]>`
        UPDATE accounts SET map_state = 'exact',
          public_point = ST_SetSRID(ST_MakePoint(${places[2]!.lon}, ${places[2]!.lat}), 4326)
        WHERE subject = 'demo-reader' RETURNING id`;
      await writeEvent(
        tx,
        'account.located',
        { actorId: acc!.id, aggregateId: acc!.id, version: 2 },
        {
          accountId: acc!.id,
          mapState: 'exact',
          publicPoint: places[2]!,
          previousPublicPoint: null,
        },
      );
    });
    await outboxPublished(h.sql);

    const durable = `hex-rollup-${crypto.randomUUID().slice(0, 8)}`;
    const handler = hexRollupHandler(durable);
    const jsm = await jetstreamManager(h.nc);
    await ensureDurableConsumer(jsm, { durable, filterSubjects: ['gewebe.>'], ackWaitMs: 1_000 });

    // The first life: commits 10 relevant events without acking any, then dies inside the
    // transaction of the 11th (rolled back).
    const crash = new AbortController();
    let committed = 0;
    for await (const event of consumeDurable(h.js, durable, crash.signal)) {
      if (!handler.types.includes(event.envelope.type)) continue;
      if (committed < 10) {
        expect(await processEnvelope(h.sql, handler, event.envelope)).toBe('processed');
        committed++;
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

    // The second life gets everything again after the ack wait.
    const outcomes: Record<string, number> = {};
    const worker = new EventWorker({
      sql: h.sql,
      js: h.js,
      jsm,
      log: createLogger('workers', { sink: () => {} }),
      handler,
      ackWaitMs: 1_000,
      onOutcome: (o: Outcome | 'failed') => {
        outcomes[o] = (outcomes[o] ?? 0) + 1;
      },
    });
    await worker.start();
    await consumerDrained(h.nc, durable);
    await worker.stop();

    const relevant = (
      await h.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox
        WHERE envelope->>'type' = ANY(${[...handler.types]})`
    )[0]!.n;
    expect(outcomes.duplicate).toBe(10);
    expect(outcomes.processed).toBe(relevant - 10);
    expect(outcomes.failed).toBeUndefined();
    const stored = await storedRollups(h.sql);
    const recount = await recountRollups(h.sql);
    expect(stored).toEqual(recount);
    // Spot checks a person would notice: 22 live nodes (24 − removed − hidden) and one Garnrolle.
    const r3 = stored.filter((r) => r.resolution === 3);
    expect(r3.reduce((s, r) => s + r.nodes, 0)).toBe(22);
    expect(r3.reduce((s, r) => s + r.accounts, 0)).toBe(1);
    expect(r3.reduce((s, r) => s + r.threads, 0)).toBe(22);

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
    const wkt = boundaryWkt(crossing!);
    const lons = [...wkt.matchAll(/(-?[\d.]+) -?[\d.]+/g)].map((m) => Number(m[1]));
    expect(Math.max(...lons) - Math.min(...lons)).toBeLessThan(10);
  });
});
