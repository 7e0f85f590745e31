// Runs one event handler as a durable JetStream consumer with an inbox: the inbox row and the
// handler's effect commit in one transaction, and the event is acked only after that commit,
// so a redelivered event (crash before the ack, a second worker process) has no second effect.
import type { Sql } from '@weltgewebe/db/client';
import type { EventEnvelope, EventType } from '@weltgewebe/events/contracts';
import {
  consumeDurable,
  ensureDurableConsumer,
  type JetStreamClient,
  type JetStreamManager,
} from '@weltgewebe/events/jetstream';
import type { Logger } from '@weltgewebe/kit';
import type { Tx } from '../outbox/write-event.ts';

export interface EventHandler {
  /** Durable consumer name, also the inbox's `consumer` key. */
  name: string;
  /** Event types with an effect; every other event is acked untouched. */
  types: readonly EventType[];
  handle(tx: Tx, envelope: EventEnvelope): Promise<void>;
  /** Called after a commit that had an effect (e.g. to wake a mailer). */
  afterCommit?(envelope: EventEnvelope): void;
}

export type Outcome = 'processed' | 'duplicate' | 'ignored';

/** Handles one event exactly once per consumer: inbox row + effect in one transaction. */
export async function processEnvelope(
  sql: Sql,
  handler: EventHandler,
  envelope: EventEnvelope,
): Promise<Outcome> {
  if (!handler.types.includes(envelope.type)) return 'ignored';
  return await sql.begin(async (tx) => {
    // A concurrent copy of this event waits here for the first to commit, then finds its row.
    const fresh = await tx`INSERT INTO consumer_inbox (consumer, event_id)
      VALUES (${handler.name}, ${envelope.id}) ON CONFLICT DO NOTHING RETURNING event_id`;
    if (fresh.length === 0) return 'duplicate' as const;
    await handler.handle(tx, envelope);
    return 'processed' as const;
  });
}

export interface EventWorkerOptions {
  sql: Sql;
  js: JetStreamClient;
  jsm: JetStreamManager;
  log: Logger;
  handler: EventHandler;
  /** Redelivery after this long without an ack (a worker that died mid-event). */
  ackWaitMs?: number;
  onOutcome?: (outcome: Outcome | 'failed', envelope: EventEnvelope) => void;
}

// Every worker filters on the whole stream: Debian's nats-server 2.9 knows only one
// filter subject per consumer, and the events a worker does not handle cost one ack each.
const ALL_EVENTS = 'gewebe.>';

export class EventWorker {
  private abort: AbortController | null = null;
  private loopDone: Promise<void> | null = null;
  private consuming = false;
  private failures = 0;

  constructor(private readonly opts: EventWorkerOptions) {}

  get name() {
    return this.opts.handler.name;
  }

  /** True while the consumer is attached (readiness). */
  get ready() {
    return this.consuming;
  }

  async start() {
    // A cluster node that is just back, or a leader election, can refuse for a moment.
    for (let attempt = 1; ; attempt++) {
      try {
        await ensureDurableConsumer(this.opts.jsm, {
          durable: this.opts.handler.name,
          filterSubjects: [ALL_EVENTS],
          ackWaitMs: this.opts.ackWaitMs ?? 30_000,
        });
        break;
      } catch (error) {
        if (attempt >= 20) throw error;
        this.opts.log.warn('durable consumer not ready, retrying', {
          worker: this.name,
          error: String(error),
        });
        await Bun.sleep(Math.min(5_000, 250 * attempt));
      }
    }
    this.abort = new AbortController();
    this.loopDone = this.loop(this.abort.signal);
  }

  /** Finishes the event in hand, acks it, and detaches; unacked ones go to the next worker. */
  async stop() {
    this.abort?.abort();
    await this.loopDone;
    this.abort = null;
  }

  private async loop(signal: AbortSignal) {
    const log = this.opts.log.child({ worker: this.name });
    let backoff = 0;
    while (!signal.aborted) {
      try {
        this.consuming = true;
        const events = consumeDurable(this.opts.js, this.name, signal, (info) =>
          log.error('malformed event terminated', info),
        );
        for await (const event of events) {
          backoff = 0;
          await this.handle(event, log);
          if (signal.aborted) break;
        }
      } catch (error) {
        if (signal.aborted) break;
        backoff = Math.min(10_000, Math.max(250, backoff * 2));
        log.warn('consumer interrupted, attaching again', {
          error: String(error),
          backoff_ms: backoff,
        });
      } finally {
        this.consuming = false;
      }
      if (!signal.aborted) await sleep(backoff || 250, signal);
    }
  }

  private async handle(
    event: { envelope: EventEnvelope; ack(): void; nak(delayMs?: number): void },
    log: Logger,
  ) {
    const { envelope } = event;
    try {
      const outcome = await processEnvelope(this.opts.sql, this.opts.handler, envelope);
      event.ack();
      this.failures = 0;
      if (outcome === 'processed') this.opts.handler.afterCommit?.(envelope);
      this.opts.onOutcome?.(outcome, envelope);
    } catch (error) {
      // Nothing committed: the event comes back after a delay that grows while failures persist.
      this.failures++;
      const delay = Math.min(30_000, 500 * 2 ** Math.min(this.failures, 6));
      log.error('event failed, will be redelivered', {
        event_id: envelope.id,
        type: envelope.type,
        error: String(error),
        retry_ms: delay,
      });
      event.nak(delay);
      this.opts.onOutcome?.('failed', envelope);
    }
  }
}

function sleep(ms: number, signal: AbortSignal) {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
