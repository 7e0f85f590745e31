// Which PostgreSQL answers an edge read: the primary, or the streaming replica when one is
// configured and holds what the read must see.
//
// - A person's read must see their own last write (the position the core answered their
//   command with, carried back by cookie or header): the replica once it has replayed that
//   far (waiting a little for it), else the primary.
// - A render that will be cached (tiles) must see every change this edge has been told about
//   by an event: the edge learns the primary's position after each event (the "floor") and
//   renders from the replica only once it has replayed past it. Otherwise an event could drop
//   a tile that a lagging replica then renders stale again, and the stale tile would stay.
// - A replica that fails (down, restarting) is left alone and probed in the background; reads
//   go to the primary meanwhile, and a read the replica broke off is run again on the primary.
import type { Sql } from '@weltgewebe/db/client';
import type { Logger } from '@weltgewebe/kit';
import { parseLsn } from './lsn.ts';

export type ReadPool = 'primary' | 'replica';

export interface ReadRoutingOptions {
  primary: Sql;
  replica?: Sql | null;
  /** Longest a read waits for the replica to reach a position before it asks the primary. */
  maxWaitMs?: number;
  /** How often a failed replica is probed until it answers again. */
  probeIntervalMs?: number;
  log?: Logger;
  onRead?: (pool: ReadPool) => void;
  onReplicaState?: (up: boolean) => void;
}

// Errors after which a read is run again on the primary: the connection went away or the
// server is shutting down or starting (57P0x, 08xxx), or recovery cancelled the query (40001).
const CONNECTION_LOST = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
]);
const RECOVERY_CONFLICT = '40001';

function errorCode(error: unknown): string | null {
  for (let e = error, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECTION_LOST.has(code) || code === RECOVERY_CONFLICT))
      return code;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

function timeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(Object.assign(new Error('replica too slow'), { code: 'CONNECT_TIMEOUT' })),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

export class ReadRouting {
  readonly primary: Sql;
  readonly replica: Sql | null;
  private readonly maxWaitMs: number;
  private readonly probeIntervalMs: number;
  /** Where the primary was after the newest change event this edge has heard of. */
  private floor = 0n;
  /** False until the floor was read once (and after a failed read): caches then fill from the primary. */
  private floorKnown = false;
  private floorRound: Promise<void> | null = null;
  private replayed = 0n;
  private replayQuery: Promise<bigint> | null = null;
  private replicaUp: boolean;
  private probing: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly opts: ReadRoutingOptions) {
    this.primary = opts.primary;
    this.replica = opts.replica ?? null;
    this.maxWaitMs = opts.maxWaitMs ?? 200;
    this.probeIntervalMs = opts.probeIntervalMs ?? 1_000;
    this.replicaUp = this.replica !== null;
    if (this.replica) opts.onReplicaState?.(true);
  }

  get hasReplica(): boolean {
    return this.replica !== null;
  }

  /** The replica is configured and answering. */
  get replicaAvailable(): boolean {
    return this.replica !== null && this.replicaUp;
  }

  /**
   * Raises the floor to the primary's current WAL position. Called after an event arrived (its
   * commit lies before that position) and before the tiles it touches are dropped. Callers in
   * the same tick share one query; a caller never shares a query that started before its call.
   */
  raiseFloor(): Promise<void> {
    if (!this.replica) return Promise.resolve();
    if (this.floorRound) return this.floorRound;
    const round = (async () => {
      await Promise.resolve();
      this.floorRound = null;
      try {
        const [row] = await this.primary<{ lsn: string }[]>`
          SELECT pg_current_wal_insert_lsn()::text AS lsn`;
        const lsn = parseLsn(row?.lsn) ?? 0n;
        if (lsn > this.floor) this.floor = lsn;
        this.floorKnown = true;
      } catch (error) {
        // Unknown is "everything": caches fill from the primary until a later round succeeds.
        this.floorKnown = false;
        throw error;
      }
    })();
    this.floorRound = round;
    return round;
  }

  /**
   * A caller's position if the primary has reached it; a made-up one (ahead of the primary)
   * is ignored, so nobody can push every read of theirs onto the primary or into waiting.
   */
  private async trusted(minLsn: bigint | null): Promise<bigint | null> {
    if (minLsn === null || !this.replica) return null;
    if (this.floorKnown && minLsn <= this.floor) return minLsn;
    await this.raiseFloor().catch(() => {});
    return this.floorKnown && minLsn <= this.floor ? minLsn : null;
  }

  private replayPosition(): Promise<bigint> {
    this.replayQuery ??= (async () => {
      try {
        const [row] = await timeout(
          this.replica!<{ lsn: string | null }[]>`
            SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()
                         ELSE pg_current_wal_lsn() END)::text AS lsn`,
          1_000,
        );
        const lsn = parseLsn(row?.lsn) ?? 0n;
        if (lsn > this.replayed) this.replayed = lsn;
        return this.replayed;
      } finally {
        this.replayQuery = null;
      }
    })();
    return this.replayQuery;
  }

  /** Whether the replica has replayed `lsn`, waiting up to maxWaitMs for it. */
  private async replicaHolds(lsn: bigint): Promise<boolean> {
    if (!this.replicaAvailable) return false;
    if (this.replayed >= lsn) return true;
    const deadline = Date.now() + this.maxWaitMs;
    for (;;) {
      let replayed: bigint;
      try {
        replayed = await this.replayPosition();
      } catch (error) {
        this.replicaFailed(error);
        return false;
      }
      if (replayed >= lsn) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await Bun.sleep(Math.min(10, left));
    }
  }

  private pick(pool: ReadPool): Sql {
    this.opts.onRead?.(pool);
    return pool === 'replica' ? this.replica! : this.primary;
  }

  /** The pool for a person's read: never older than their own last write (`minLsn`). */
  async forCaller(minLsn: bigint | null): Promise<Sql> {
    if (!this.replicaAvailable) return this.pick('primary');
    const needed = await this.trusted(minLsn);
    if (needed === null) return this.pick('replica');
    return this.pick((await this.replicaHolds(needed)) ? 'replica' : 'primary');
  }

  /**
   * The pool for a render that will be cached, and the position its snapshot holds at least:
   * every change heard of so far, and the caller's own last write.
   */
  async forCache(minLsn: bigint | null): Promise<{ sql: Sql; lsn: bigint }> {
    if (!this.replica) return { sql: this.pick('primary'), lsn: 0n };
    const own = await this.trusted(minLsn);
    const lsn = own !== null && own > this.floor ? own : this.floor;
    if (this.floorKnown && (await this.replicaHolds(lsn)))
      return { sql: this.pick('replica'), lsn };
    return { sql: this.pick('primary'), lsn };
  }

  /** The position a caller's read must see, for cache lookups (null: anything cached will do). */
  async cacheMinLsn(minLsn: bigint | null): Promise<bigint | null> {
    return await this.trusted(minLsn);
  }

  /**
   * After a read on `sql` failed: true when it should run again on the primary (the replica
   * went away or recovery cancelled the query). A replica that went away is probed until back.
   */
  retryOnPrimary(sql: Sql, error: unknown): boolean {
    if (sql !== this.replica || !this.replica) return false;
    const code = errorCode(error);
    if (code === null) return false;
    if (code !== RECOVERY_CONFLICT) this.replicaFailed(error);
    return true;
  }

  private replicaFailed(error: unknown) {
    if (!this.replica || !this.replicaUp) return;
    this.replicaUp = false;
    this.opts.onReplicaState?.(false);
    this.opts.log?.warn('replica unavailable, reading from the primary', {
      error: String(error),
    });
    this.probing = setInterval(() => {
      this.replayPosition().then(
        () => {
          if (this.replicaUp) return;
          this.replicaUp = true;
          if (this.probing) clearInterval(this.probing);
          this.probing = null;
          this.opts.onReplicaState?.(true);
          this.opts.log?.info('replica back');
        },
        () => {},
      );
    }, this.probeIntervalMs);
    (this.probing as { unref?: () => void }).unref?.();
  }

  stop() {
    if (this.probing) clearInterval(this.probing);
    this.probing = null;
  }
}
