// Outbox relay: publishes committed outbox rows to JetStream with Nats-Msg-Id = outbox id.
// Woken by LISTEN/NOTIFY, with a slow poll as safety net; backs off while NATS is away;
// safe with several relays (rows are claimed with FOR UPDATE SKIP LOCKED, so no two relays
// ever publish the same row; order across relays is not kept, consumers do not rely on it).
// A row is repeated only after a publish whose marking commit was lost; the stream's duplicate
// window (events/src/jetstream.ts explains its size) drops such a repeat.
import type { Sql } from '@weltgewebe/db/client';
import type { EventEnvelope } from '@weltgewebe/events/contracts';
import {
  DEFAULT_STREAM,
  type JetStreamClient,
  PUBLISH_TIMEOUT_MS,
  publishEnvelope,
} from '@weltgewebe/events/jetstream';
import type { Logger } from '@weltgewebe/kit';

/** Longest pause between two tries while NATS is away. */
export const RELAY_MAX_BACKOFF_MS = 30_000;

export interface RelayOptions {
  sql: Sql;
  js: JetStreamClient;
  log: Logger;
  batchSize?: number;
  pollIntervalMs?: number;
  maxBackoffMs?: number;
  /** The stream's duplicate window; the relay refuses a backoff that could outlast it. */
  duplicateWindowMs?: number;
  onPublished?: (count: number) => void;
}

export class OutboxRelay {
  private running = false;
  private wake: (() => void) | null = null;
  private pending = true;
  private backoffMs = 0;
  private loopDone: Promise<void> | null = null;
  private unlisten: (() => Promise<void>) | null = null;

  constructor(private readonly opts: RelayOptions) {
    const window = opts.duplicateWindowMs ?? DEFAULT_STREAM.duplicateWindowMs;
    const worstRetry = (opts.maxBackoffMs ?? RELAY_MAX_BACKOFF_MS) + PUBLISH_TIMEOUT_MS;
    // A retry must land well inside the window, or a repeat would reach the stream.
    if (worstRetry * 10 > window) {
      throw new Error(
        `relay backoff (${worstRetry} ms) too long for the duplicate window (${window} ms)`,
      );
    }
  }

  async start() {
    this.running = true;
    const listener = await this.opts.sql.listen('outbox', () => this.poke());
    this.unlisten = () => listener.unlisten();
    this.loopDone = this.loop();
  }

  async stop() {
    this.running = false;
    this.poke();
    await this.loopDone;
    await this.unlisten?.();
  }

  /** Look for rows now (e.g. NATS is back after an outage). */
  publishNow() {
    this.poke();
  }

  private poke() {
    this.pending = true;
    this.wake?.();
  }

  private async sleep(ms: number) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = null;
  }

  private async loop() {
    const poll = this.opts.pollIntervalMs ?? 5_000;
    while (this.running) {
      if (!this.pending) await this.sleep(poll);
      if (!this.running) break;
      this.pending = false;
      try {
        const published = await this.publishBatch();
        this.backoffMs = 0;
        if (published > 0) this.pending = true; // there may be more
      } catch (error) {
        this.backoffMs = Math.min(
          this.opts.maxBackoffMs ?? RELAY_MAX_BACKOFF_MS,
          Math.max(200, this.backoffMs * 2),
        );
        this.opts.log.warn('relay publish failed, backing off', {
          backoff_ms: this.backoffMs,
          error: String(error),
        });
        this.pending = true;
        await this.sleep(this.backoffMs);
      }
    }
  }

  /** Claims one batch, publishes it in order and marks what was acknowledged. */
  async publishBatch(): Promise<number> {
    const size = this.opts.batchSize ?? 200;
    const outcome = await this.opts.sql.begin(async (tx) => {
      const rows = await tx<{ id: string; envelope: EventEnvelope }[]>`
        SELECT id, envelope FROM outbox WHERE published_at IS NULL
        ORDER BY seq LIMIT ${size} FOR UPDATE SKIP LOCKED`;
      if (rows.length === 0) return { published: 0, failure: null as unknown };
      const done: string[] = [];
      let failure: unknown = null;
      // Pipelined: all publishes are sent in order before awaiting the acks.
      const results = await Promise.allSettled(
        rows.map((r) => publishEnvelope(this.opts.js, r.envelope)),
      );
      for (const [i, result] of results.entries()) {
        if (result.status === 'fulfilled') done.push(rows[i]!.id);
        else {
          failure ??= result.reason;
          await tx`UPDATE outbox SET attempts = attempts + 1, last_error = ${String(result.reason).slice(0, 500)}
            WHERE id = ${rows[i]!.id}`;
        }
      }
      if (done.length)
        await tx`UPDATE outbox SET published_at = now() WHERE id = ANY(${done}::uuid[])`;
      this.opts.onPublished?.(done.length);
      return { published: done.length, failure };
    });
    // What was acknowledged is committed as published; the rest is retried later
    // (and a repeat of an acknowledged one would be dropped by the stream's duplicate window).
    if (outcome.failure) throw outcome.failure;
    return outcome.published;
  }
}
