// thread-expiry sweeper: marks threads past their lifetime as expired and writes
// `thread.expired` to the outbox in the same transaction. Batches are claimed with
// FOR UPDATE SKIP LOCKED, so several worker processes sweep side by side without
// expiring (or announcing) a thread twice.
import type { Sql } from '@weltgewebe/db/client';
import type { PublicPoint } from '@weltgewebe/events/contracts';
import type { ThreadKind } from '@weltgewebe/events/domain';
import type { Logger } from '@weltgewebe/kit';
import { writeEvent } from '../outbox/write-event.ts';

/** Expires one batch of due threads; returns how many it expired. */
export async function expireDueThreads(sql: Sql, now: Date, batchSize = 500): Promise<number> {
  return await sql.begin(async (tx) => {
    const expired = await tx<
      {
        id: string;
        account_id: string;
        node_id: string;
        kind: ThreadKind;
        node_lat: number;
        node_lon: number;
        from_lat: number | null;
        from_lon: number | null;
      }[]
    >`
      WITH due AS (
        SELECT id FROM threads
         WHERE expired_at IS NULL AND expires_at <= ${now}
         ORDER BY expires_at LIMIT ${batchSize}
         FOR UPDATE SKIP LOCKED)
      UPDATE threads t SET expired_at = t.expires_at
        FROM due, nodes n, accounts a
       WHERE t.id = due.id AND n.id = t.node_id AND a.id = t.account_id
      RETURNING t.id, t.account_id, t.node_id, t.kind,
                ST_Y(n.location) AS node_lat, ST_X(n.location) AS node_lon,
                CASE WHEN a.map_state <> 'not_on_map' THEN ST_Y(a.public_point) END AS from_lat,
                CASE WHEN a.map_state <> 'not_on_map' THEN ST_X(a.public_point) END AS from_lon`;
    for (const t of expired) {
      const from: PublicPoint | null =
        t.from_lat !== null && t.from_lon !== null ? { lat: t.from_lat, lon: t.from_lon } : null;
      await writeEvent(
        tx,
        'thread.expired',
        { actorId: null, aggregateId: t.id, version: 1, occurredAt: now },
        {
          threadId: t.id,
          nodeId: t.node_id,
          accountId: t.account_id,
          kind: t.kind,
          from,
          to: { lat: t.node_lat, lon: t.node_lon },
        },
      );
    }
    return expired.length;
  });
}

export interface SweeperOptions {
  sql: Sql;
  log: Logger;
  now?: () => Date;
  intervalMs?: number;
  batchSize?: number;
  onExpired?: (count: number) => void;
}

/** Sweeps on an interval; a full batch is followed at once by the next one. */
export class ThreadExpirySweeper {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  private stopped = false;
  private sweeping: Promise<void> | null = null;
  /** Time of the last sweep that finished without error (readiness). */
  lastSweepAt: Date | null = null;

  constructor(private readonly opts: SweeperOptions) {}

  start() {
    this.running = true;
    this.schedule(0);
  }

  async stop() {
    this.running = false;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.sweeping;
  }

  /** One sweep until nothing is due (tests call it directly). */
  async sweep(): Promise<number> {
    const batch = this.opts.batchSize ?? 500;
    let total = 0;
    for (;;) {
      const n = await expireDueThreads(
        this.opts.sql,
        (this.opts.now ?? (() => new Date()))(),
        batch,
      );
      total += n;
      if (n > 0) this.opts.onExpired?.(n);
      if (n < batch || this.stopped) break;
    }
    this.lastSweepAt = new Date();
    return total;
  }

  private schedule(ms: number) {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.sweeping = this.sweep()
        .then((n) => {
          if (n > 0) this.opts.log.info('threads expired', { count: n });
        })
        .catch((error) => this.opts.log.error('thread sweep failed', { error: String(error) }))
        .finally(() => this.schedule(this.opts.intervalMs ?? 15_000));
    }, ms);
  }
}
