// Helpers for the worker tests: waiting on real NATS consumers and a rollup recount straight
// from the tables to compare the workers' counts with.
import type { Sql } from '@weltgewebe/db/client';
import { H3_RESOLUTIONS } from '@weltgewebe/db/schema';
import { STREAM_NAME } from '@weltgewebe/events/contracts';
import { jetstreamManager, type NatsConnection } from '@weltgewebe/events/jetstream';
import { cellsOf } from '../geo/h3-cells.ts';

export async function waitFor<T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await Bun.sleep(100);
  }
}

/** Empties stream GEWEBE: the test NATS is shared by every test file of the process. */
export async function purgeStream(nc: NatsConnection) {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.purge(STREAM_NAME);
}

/** Waits until a durable consumer has nothing left to deliver and nothing unacked. */
export async function consumerDrained(nc: NatsConnection, durable: string, ms = 20_000) {
  const jsm = await jetstreamManager(nc);
  const info = await waitFor(
    () => jsm.consumers.info(STREAM_NAME, durable),
    (i) => i.num_pending === 0 && i.num_ack_pending === 0,
    ms,
  );
  if (info.num_pending !== 0 || info.num_ack_pending !== 0) {
    throw new Error(
      `consumer ${durable} not drained: pending ${info.num_pending}, unacked ${info.num_ack_pending}`,
    );
  }
}

export async function outboxPublished(sql: Sql, ms = 20_000) {
  const n = await waitFor(
    async () =>
      (
        await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`
      )[0]!.n,
    (v) => v === 0,
    ms,
  );
  if (n !== 0) throw new Error(`${n} outbox rows still unpublished`);
}

export type RollupRow = {
  resolution: number;
  cell: string;
  nodes: number;
  nodes_place: number;
  nodes_resource: number;
  nodes_project: number;
  nodes_event: number;
  accounts: number;
  threads: number;
};

const key = (r: RollupRow) => `${r.resolution}:${r.cell}`;

/** h3_rollups as the workers keep them, sorted. */
export async function storedRollups(sql: Sql): Promise<RollupRow[]> {
  const rows = await sql<RollupRow[]>`
    SELECT resolution, cell::text AS cell, nodes, nodes_place, nodes_resource, nodes_project,
           nodes_event, accounts, threads
      FROM h3_rollups ORDER BY resolution, cell`;
  return rows.map((r) => ({ ...r }));
}

/** The same counts recounted from nodes, threads and accounts, sorted like storedRollups. */
export async function recountRollups(sql: Sql): Promise<RollupRow[]> {
  const rows = await sql<RollupRow[]>`
    WITH live AS (SELECT * FROM nodes WHERE removed_at IS NULL AND hidden_at IS NULL),
    m AS (
      SELECT u.res, u.cell, 'node' AS t, n.kind FROM live n,
        unnest(ARRAY[3, 5, 7, 9], ARRAY[n.h3_r3, n.h3_r5, n.h3_r7, n.h3_r9]) AS u(res, cell)
      UNION ALL
      SELECT u.res, u.cell, 'thread', NULL FROM threads t JOIN live n ON n.id = t.node_id,
        unnest(ARRAY[3, 5, 7, 9], ARRAY[n.h3_r3, n.h3_r5, n.h3_r7, n.h3_r9]) AS u(res, cell)
       WHERE t.expired_at IS NULL)
    SELECT res AS resolution, cell::text AS cell,
           count(*) FILTER (WHERE t = 'node')::int AS nodes,
           count(*) FILTER (WHERE kind = 'place')::int AS nodes_place,
           count(*) FILTER (WHERE kind = 'resource')::int AS nodes_resource,
           count(*) FILTER (WHERE kind = 'project')::int AS nodes_project,
           count(*) FILTER (WHERE kind = 'event')::int AS nodes_event,
           0 AS accounts,
           count(*) FILTER (WHERE t = 'thread')::int AS threads
      FROM m GROUP BY res, cell`;
  const byKey = new Map(rows.map((r) => [key(r), { ...r }]));
  // Accounts on the map count at the cells of their public point.
  const accounts = await sql<{ lat: number; lon: number }[]>`
    SELECT ST_Y(public_point) AS lat, ST_X(public_point) AS lon FROM accounts
     WHERE map_state <> 'not_on_map' AND public_point IS NOT NULL`;
  for (const a of accounts) {
    const cells = cellsOf(a.lat, a.lon);
    for (const resolution of H3_RESOLUTIONS) {
      const cell = String(cells[`r${resolution}`]);
      const k = `${resolution}:${cell}`;
      const row = byKey.get(k) ?? {
        resolution,
        cell,
        nodes: 0,
        nodes_place: 0,
        nodes_resource: 0,
        nodes_project: 0,
        nodes_event: 0,
        accounts: 0,
        threads: 0,
      };
      row.accounts++;
      byKey.set(k, row);
    }
  }
  return [...byKey.values()].sort(
    (a, b) => a.resolution - b.resolution || (BigInt(a.cell) < BigInt(b.cell) ? -1 : 1),
  );
}
