// The chaos run's count, against the real stores after the load has stopped and everything has
// caught up: every acknowledged command's row in PostgreSQL exactly once; every event of the
// run in the stream, in each durable consumer's inbox (when it handles that type) or passed by
// its ack floor (when it does not), and at each live listener, exactly once; the H3 rollups
// equal to a recount from the tables (a lost or doubled worker effect shows there).
import { STREAM_NAME } from '@weltgewebe/events/contracts';
import {
  consumeAfter,
  jetstream,
  jetstreamManager,
  lastStreamSeq,
  type NatsConnection,
} from '@weltgewebe/events/jetstream';
import type postgres from 'postgres';
import { HEX_ROLLUP_CONSUMER, hexRollupHandler } from '../../../core/src/workers/hex-rollup.ts';
import { NOTIFIER_CONSUMER, notifierHandler } from '../../../core/src/workers/notifier.ts';
import type { ListenerReport } from './live-listener.ts';
import type { AckedCommand } from './load.ts';

/** The durable consumers of the worker processes and the event types each one acts on. */
export const DURABLE_CONSUMERS: ReadonlyArray<{ name: string; types: readonly string[] }> = [
  { name: HEX_ROLLUP_CONSUMER, types: hexRollupHandler().types },
  { name: NOTIFIER_CONSUMER, types: notifierHandler().types },
];

/** Event types an open map is told about (edge/src/live/live-feed.ts, liveChangeOf). */
const LIVE_TYPES = new Set([
  'node.created',
  'node.updated',
  'node.removed',
  'thread.spun',
  'thread.renewed',
  'thread.expired',
  'account.located',
  'message.posted',
  'message.retracted',
]);

export interface RunBaseline {
  /** Outbox rows after this sequence belong to the run. */
  outboxSeq: number;
  /** Stream messages after this sequence belong to the run. */
  streamSeq: number;
  /** Database time when the run began. */
  startedAt: Date;
}

interface RunEvent {
  id: string;
  type: string;
  aggregateId: string;
  data: Record<string, unknown>;
}

export interface ConsumerCount {
  consumer: string;
  expected: number;
  seen: number;
  lost: number;
  duplicated: number;
}

export interface ChaosCount {
  acknowledged: number;
  lost: number;
  duplicated: number;
  events: number;
  /** The fewest run events any one consumer accounted for. */
  seen: number;
  consumers: ConsumerCount[];
  notes: string[];
}

type Sql = postgres.Sql;

export async function runEvents(sql: Sql, baseline: RunBaseline): Promise<RunEvent[]> {
  const rows = await sql<{ id: string; envelope: RunEvent }[]>`
    SELECT id, envelope FROM outbox WHERE seq > ${baseline.outboxSeq} ORDER BY seq`;
  return rows.map((r) => ({
    id: r.id,
    type: r.envelope.type,
    aggregateId: r.envelope.aggregateId,
    data: r.envelope.data,
  }));
}

/** Waits until the outbox is published, the durable consumers have nothing pending and every
 * listener heard every live event of the run (or the time is up). */
export async function waitForQuiet(
  sql: Sql,
  nc: NatsConnection,
  baseline: RunBaseline,
  listeners: ListenerReport[],
  timeoutMs: number,
  log: (line: string) => void,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const jsm = await jetstreamManager(nc);
  let waitingFor = '';
  while (Date.now() < deadline) {
    const [pending] = await sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM outbox WHERE seq > ${baseline.outboxSeq} AND published_at IS NULL`;
    const consumerPending: string[] = [];
    for (const { name } of DURABLE_CONSUMERS) {
      const info = await jsm.consumers.info(STREAM_NAME, name).catch(() => null);
      if (!info || info.num_pending > 0 || info.num_ack_pending > 0) consumerPending.push(name);
    }
    const live = (await runEvents(sql, baseline)).filter((e) => LIVE_TYPES.has(e.type));
    const behind = listeners.filter((l) => live.some((e) => !l.seen.has(e.id)));
    const now = [
      pending!.n > 0 ? `${pending!.n} outbox rows` : '',
      consumerPending.length ? `consumers ${consumerPending.join(', ')}` : '',
      behind.length ? `listeners ${behind.map((l) => l.name).join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    if (!now) return;
    if (now !== waitingFor) log(`waiting for ${now}`);
    waitingFor = now;
    await Bun.sleep(1_000);
  }
}

/** Every run event in the stream, with how often its id is there. */
async function streamCounts(nc: NatsConnection, baseline: RunBaseline) {
  const last = await lastStreamSeq(nc);
  const counts = new Map<string, { seqs: number[] }>();
  if (last <= baseline.streamSeq) return counts;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 30_000);
  try {
    for await (const { seq, envelope } of consumeAfter(
      jetstream(nc),
      'gewebe.>',
      baseline.streamSeq,
      abort.signal,
      () => {},
    )) {
      const entry = counts.get(envelope.id) ?? { seqs: [] };
      entry.seqs.push(seq);
      counts.set(envelope.id, entry);
      if (seq >= last) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return counts;
}

export async function countRun(
  sql: Sql,
  nc: NatsConnection,
  baseline: RunBaseline,
  acked: AckedCommand[],
  listeners: ListenerReport[],
): Promise<ChaosCount> {
  const notes: string[] = [];
  let lost = 0;
  let duplicated = 0;

  // Commands against PostgreSQL.
  const nodeOps = acked.filter((a) => a.kind === 'node');
  const spinOps = acked.filter((a) => a.kind === 'spin');
  const messageOps = acked.filter((a) => a.kind === 'message');
  const foundNodes = await sql<{ id: string; title: string }[]>`
    SELECT id, title FROM nodes WHERE id = ANY(${nodeOps.map((n) => n.id)}::uuid[])`;
  const missingNodes = nodeOps.filter(
    (n) => !foundNodes.some((f) => f.id === n.id && f.title === `chaos ${n.operationId}`),
  );
  const foundSpins = await sql<{ operation_id: string }[]>`
    SELECT operation_id FROM operations
     WHERE command = 'threads.spin' AND operation_id = ANY(${spinOps.map((s) => s.operationId)}::uuid[])`;
  const missingSpins = spinOps.length - foundSpins.length;
  const foundMessages = await sql<{ id: string }[]>`
    SELECT id FROM messages WHERE id = ANY(${messageOps.map((m) => m.id)}::uuid[])
      AND body = ANY(${messageOps.map((m) => `chaos ${m.idempotencyKey}`)})`;
  const missingMessages = messageOps.length - foundMessages.length;
  const commandLoss = missingNodes.length + missingSpins + missingMessages;
  if (commandLoss) {
    notes.push(
      `acknowledged but not in PostgreSQL: ${missingNodes.length} nodes, ${missingSpins} spins, ${missingMessages} messages`,
    );
  }
  lost += commandLoss;

  // A command applied twice: a second row, or a second effect of one operation.
  const [twice] = await sql<{ nodes: number; messages: number }[]>`
    SELECT (SELECT coalesce(sum(n - 1), 0)::int FROM (SELECT count(*) AS n FROM nodes
              WHERE title LIKE 'chaos %' GROUP BY title HAVING count(*) > 1) d) AS nodes,
           (SELECT coalesce(sum(n - 1), 0)::int FROM (SELECT count(*) AS n FROM messages
              WHERE body LIKE 'chaos %' GROUP BY body HAVING count(*) > 1) d) AS messages`;
  const [spinEffects] = await sql<{ ops: number; effects: number }[]>`
    SELECT (SELECT count(*)::int FROM operations
             WHERE command = 'threads.spin' AND created_at >= ${baseline.startedAt}) AS ops,
           (SELECT count(*)::int FROM outbox
             WHERE seq > ${baseline.outboxSeq}
               AND subject IN ('gewebe.thread.spun', 'gewebe.thread.renewed')
               AND envelope->'data'->>'kind' = 'participation') AS effects`;
  const extraSpins = Math.max(0, spinEffects!.effects - spinEffects!.ops);
  const commandDuplicates = twice!.nodes + twice!.messages + extraSpins;
  if (commandDuplicates) {
    notes.push(
      `applied twice: ${twice!.nodes} nodes, ${twice!.messages} messages, ${extraSpins} spins`,
    );
  }
  duplicated += commandDuplicates;

  // Events: outbox → stream.
  const events = await runEvents(sql, baseline);
  const inStream = await streamCounts(nc, baseline);
  const notInStream = events.filter((e) => !inStream.has(e.id)).length;
  const twiceInStream = [...inStream.values()].filter((e) => e.seqs.length > 1).length;
  if (notInStream) notes.push(`${notInStream} events never reached the stream`);
  if (twiceInStream) {
    // Not an effect by itself (consumers keep an inbox), but the relay's promise is once.
    notes.push(`${twiceInStream} events are in the stream more than once`);
  }

  const consumers: ConsumerCount[] = [];
  // Durable consumers (worker processes).
  const jsm = await jetstreamManager(nc);
  for (const { name, types } of DURABLE_CONSUMERS) {
    const info = await jsm.consumers.info(STREAM_NAME, name);
    const floor = info.ack_floor.stream_seq;
    const inbox = new Set(
      (
        await sql<{ event_id: string }[]>`
          SELECT event_id FROM consumer_inbox
           WHERE consumer = ${name} AND event_id = ANY(${events.map((e) => e.id)}::uuid[])`
      ).map((r) => r.event_id),
    );
    let seen = 0;
    for (const e of events) {
      const handled = types.includes(e.type);
      const passed = (inStream.get(e.id)?.seqs ?? []).some((s) => s <= floor);
      if (handled ? inbox.has(e.id) : passed) seen++;
    }
    consumers.push({
      consumer: name,
      expected: events.length,
      seen,
      lost: events.length - seen,
      duplicated: 0,
    });
  }
  // Live listeners (people with the map open).
  for (const l of listeners) {
    let seen = 0;
    let twiceSeen = 0;
    for (const e of events) {
      const count = l.seen.get(e.id) ?? 0;
      if (!LIVE_TYPES.has(e.type) || count > 0) seen++;
      if (count > 1) twiceSeen++;
    }
    consumers.push({
      consumer: `live ${l.name}`,
      expected: events.length,
      seen,
      lost: events.length - seen,
      duplicated: twiceSeen,
    });
  }
  for (const c of consumers) {
    lost += c.lost;
    duplicated += c.duplicated;
  }

  // Worker effects: rollups against a recount from the tables, at the finest resolution.
  const [rollups] = await sql<{ under: number; over: number }[]>`
    WITH truth AS (
      SELECT cell, sum(nodes)::int AS nodes, sum(threads)::int AS threads FROM (
        SELECT n.h3_r9 AS cell, 1 AS nodes, 0 AS threads FROM nodes n
         WHERE n.removed_at IS NULL AND n.hidden_at IS NULL
        UNION ALL
        SELECT n.h3_r9, 0, 1 FROM threads t JOIN nodes n ON n.id = t.node_id
         WHERE t.expired_at IS NULL AND n.removed_at IS NULL AND n.hidden_at IS NULL
      ) x GROUP BY cell
    ), counted AS (
      SELECT cell, nodes, threads FROM h3_rollups WHERE resolution = 9
    )
    SELECT count(*) FILTER (WHERE coalesce(c.nodes, 0) < coalesce(t.nodes, 0)
                              OR coalesce(c.threads, 0) < coalesce(t.threads, 0))::int AS under,
           count(*) FILTER (WHERE coalesce(c.nodes, 0) > coalesce(t.nodes, 0)
                              OR coalesce(c.threads, 0) > coalesce(t.threads, 0))::int AS over
      FROM truth t FULL JOIN counted c ON c.cell = t.cell`;
  if (rollups!.under || rollups!.over) {
    notes.push(`rollup cells counted too low: ${rollups!.under}, too high: ${rollups!.over}`);
  }
  lost += rollups!.under;
  duplicated += rollups!.over;

  return {
    acknowledged: acked.length,
    lost,
    duplicated,
    events: events.length,
    seen: consumers.length ? Math.min(...consumers.map((c) => c.seen)) : events.length,
    consumers,
    notes,
  };
}
