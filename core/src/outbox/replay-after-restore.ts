// After the database is restored to a point in time, events and their consumers must agree
// with it again. The database is the truth and the outbox holds every event it ever
// committed, so we replay from the outbox rather than restore the JetStream stream: the old
// stream holds events past the recovery point (changes that no longer exist), its durable
// consumers stand past events whose effects the restore undid, and its duplicate window would
// drop a republished id. So: delete stream GEWEBE (relay and workers create it anew), mark
// for publishing again every outbox row that some consumer of its type has no inbox row for,
// and let the relay publish; the inbox keeps every effect once. Edge tile caches live in
// memory only and are dropped by restarting the edges.
import type { Sql } from '@weltgewebe/db/client';
import { type EventType, STREAM_NAME } from '@weltgewebe/events/contracts';
import { jetstreamManager, type NatsConnection } from '@weltgewebe/events/jetstream';
import { hexRollupHandler } from '../workers/hex-rollup.ts';
import { notifierHandler } from '../workers/notifier.ts';
import { recountRollups, storedRollups } from '../workers/worker-testing.ts';

export interface ConsumerTypes {
  name: string;
  types: readonly EventType[];
}

/** The durable consumers whose effects live in the database (workers.ts starts these). */
export function durableConsumers(): ConsumerTypes[] {
  return [hexRollupHandler(), notifierHandler()].map((h) => ({ name: h.name, types: h.types }));
}

function pairs(consumers: ConsumerTypes[]) {
  const names = consumers.flatMap((c) => c.types.map(() => c.name));
  const types = consumers.flatMap((c) => [...c.types]);
  return { names, types };
}

/** Marks published rows that some consumer has not handled; returns how many. */
export async function markForReplay(sql: Sql, consumers = durableConsumers()): Promise<number> {
  const { names, types } = pairs(consumers);
  const rows = await sql`
    WITH wanted(consumer, type) AS (SELECT * FROM unnest(${names}::text[], ${types}::text[]))
    UPDATE outbox o SET published_at = NULL, attempts = 0, last_error = NULL
     WHERE o.published_at IS NOT NULL
       AND EXISTS (SELECT 1 FROM wanted w
                    WHERE w.type = o.envelope->>'type'
                      AND NOT EXISTS (SELECT 1 FROM consumer_inbox i
                                       WHERE i.consumer = w.consumer AND i.event_id = o.id))
    RETURNING o.id`;
  return rows.length;
}

/** Deletes stream GEWEBE if it exists (relay and workers create it again on start). */
export async function deleteStream(nc: NatsConnection): Promise<boolean> {
  const jsm = await jetstreamManager(nc);
  try {
    return await jsm.streams.delete(STREAM_NAME);
  } catch (error) {
    if (String(error).includes('stream not found')) return false;
    throw error;
  }
}

export interface ConsistencyReport {
  /** Outbox rows not yet published. */
  unpublished: number;
  /** Per consumer: events of its types without an inbox row. */
  unhandled: Record<string, number>;
  /** H3 rollup cells whose counts differ from a recount of the tables. */
  rollupCellsOff: number;
  consistent: boolean;
}

/** Do the consumers' effects cover every event, and do the map's rollups match the tables? */
export async function consistencyReport(
  sql: Sql,
  consumers = durableConsumers(),
): Promise<ConsistencyReport> {
  const [pending] = await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`;
  const unhandled: Record<string, number> = {};
  for (const c of consumers) {
    const [row] = await sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM outbox o
       WHERE o.envelope->>'type' = ANY(${[...c.types]}::text[])
         AND NOT EXISTS (SELECT 1 FROM consumer_inbox i
                          WHERE i.consumer = ${c.name} AND i.event_id = o.id)`;
    unhandled[c.name] = row!.n;
  }
  const [stored, recounted] = await Promise.all([storedRollups(sql), recountRollups(sql)]);
  const key = (r: { resolution: number; cell: string }) => `${r.resolution}:${r.cell}`;
  const want = new Map(recounted.map((r) => [key(r), JSON.stringify(r)]));
  const have = new Map(stored.map((r) => [key(r), JSON.stringify(r)]));
  let rollupCellsOff = 0;
  for (const k of new Set([...want.keys(), ...have.keys()])) {
    if (want.get(k) !== have.get(k)) rollupCellsOff++;
  }
  const unpublished = pending!.n;
  return {
    unpublished,
    unhandled,
    rollupCellsOff,
    consistent:
      unpublished === 0 && Object.values(unhandled).every((n) => n === 0) && rollupCellsOff === 0,
  };
}
