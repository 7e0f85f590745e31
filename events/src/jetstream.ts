// NATS JetStream connection, stream setup and publish/consume helpers (side effects live here).
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import {
  type EventEnvelope,
  parseEnvelope,
  STREAM_NAME,
  SUBJECT_PREFIX,
  subjectFor,
} from './contracts.ts';

export type { NatsConnection };

const NS = 1_000_000;

export interface StreamSettings {
  /** How long a repeated Nats-Msg-Id is recognised; longer than the relay's worst lag. */
  duplicateWindowMs: number;
  /** How long events are kept. */
  maxAgeMs: number;
  replicas: number;
}

// Why two hours: the stream drops a repeated Nats-Msg-Id (= outbox id) only inside this
// window. The relay repeats a row only when its publish was acknowledged but the commit that
// marks it published never happened (relay crash, database connection lost); the row is then
// claimed again as soon as any relay reaches the database: after a database outage, plus at
// most one backoff (RELAY_MAX_BACKOFF_MS, 30 s) and one publish timeout (5 s). Several relays
// never hold the same row (FOR UPDATE SKIP LOCKED), so they add no repeats of their own.
// Two hours thus covers a database outage of nearly two hours; a longer one can let a repeat
// through to the stream, and the consumers' inboxes (consumer + event id) absorb it there.
export const DEFAULT_STREAM: StreamSettings = {
  duplicateWindowMs: 2 * 60 * 60 * 1000,
  maxAgeMs: 14 * 24 * 60 * 60 * 1000,
  replicas: 1,
};

export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  return await connect({
    servers: url.split(',').map((s) => s.trim()),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  });
}

/**
 * ensureStream, tried again while JetStream cannot answer yet: a cluster electing its meta
 * leader, a node of it restarting, or no server reachable at all. A process that starts in
 * such a moment waits instead of dying.
 */
export async function ensureStreamPatiently(
  nc: NatsConnection,
  settings: StreamSettings,
  onRetry: (error: unknown) => void,
  signal?: AbortSignal,
): Promise<void> {
  let delayMs = 250;
  for (;;) {
    try {
      await ensureStream(nc, settings);
      return;
    } catch (error) {
      if (signal?.aborted) throw error;
      onRetry(error);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(5_000, delayMs * 2);
    }
  }
}

/** Creates stream GEWEBE or brings its settings up to date. */
export async function ensureStream(
  nc: NatsConnection,
  settings: StreamSettings = DEFAULT_STREAM,
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const config = {
    name: STREAM_NAME,
    subjects: [`${SUBJECT_PREFIX}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: settings.duplicateWindowMs * NS,
    max_age: settings.maxAgeMs * NS,
    num_replicas: settings.replicas,
  };
  try {
    await jsm.streams.info(STREAM_NAME);
    await jsm.streams.update(STREAM_NAME, config);
  } catch (error) {
    if (!String(error).includes('stream not found')) throw error;
    await jsm.streams.add(config);
  }
}

/** How long a publish waits for the stream's acknowledgement. */
export const PUBLISH_TIMEOUT_MS = 5_000;

export interface PublishResult {
  seq: number;
  duplicate: boolean;
}

/** Publishes one envelope with Nats-Msg-Id = envelope id, so a repeat is dropped by the stream. */
export async function publishEnvelope(
  js: JetStreamClient,
  envelope: EventEnvelope,
): Promise<PublishResult> {
  const ack = await js.publish(subjectFor(envelope.type), JSON.stringify(envelope), {
    msgID: envelope.id,
    timeout: PUBLISH_TIMEOUT_MS,
  });
  return { seq: ack.seq, duplicate: ack.duplicate };
}

export interface DurableConsumerOptions {
  durable: string;
  filterSubjects: string[];
  /** Redelivery after this long without an ack. */
  ackWaitMs?: number;
  maxDeliver?: number;
}

/** A durable pull consumer (workers): each event is delivered until acked. */
export async function ensureDurableConsumer(jsm: JetStreamManager, opts: DurableConsumerOptions) {
  const config = {
    durable_name: opts.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    // One subject uses the older field, so Debian's nats-server 2.9 works too.
    ...(opts.filterSubjects.length === 1
      ? { filter_subject: opts.filterSubjects[0] }
      : { filter_subjects: opts.filterSubjects }),
    ack_wait: (opts.ackWaitMs ?? 30_000) * NS,
    max_deliver: opts.maxDeliver ?? -1,
  };
  try {
    await jsm.consumers.info(STREAM_NAME, opts.durable);
    await jsm.consumers.update(STREAM_NAME, opts.durable, config);
  } catch (error) {
    if (!String(error).includes('consumer not found')) throw error;
    await jsm.consumers.add(STREAM_NAME, config);
  }
}

export interface ReceivedEvent {
  envelope: EventEnvelope;
  ack(): void;
  nak(delayMs?: number): void;
  redelivered: boolean;
}

/** Told about a message that is not a valid envelope (it is then skipped, never retried). */
export type OnMalformed = (info: { subject: string; seq: number; error: string }) => void;

function describeMalformed(m: { subject: string; seq: number }, error: unknown) {
  return {
    subject: m.subject,
    seq: m.seq,
    error: error instanceof Error ? error.message : String(error),
  };
}

/** Iterates events of a durable consumer; malformed messages are terminated, not retried. */
export async function* consumeDurable(
  js: JetStreamClient,
  durable: string,
  signal: AbortSignal | undefined,
  onMalformed: OnMalformed,
): AsyncGenerator<ReceivedEvent> {
  const consumer = await js.consumers.get(STREAM_NAME, durable);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: 100 });
  signal?.addEventListener('abort', () => void messages.close());
  if (signal?.aborted) void messages.close();
  for await (const m of messages) {
    let envelope: EventEnvelope;
    try {
      envelope = parseEnvelope(m.json());
    } catch (error) {
      m.term();
      onMalformed(describeMalformed(m, error));
      continue;
    }
    yield {
      envelope,
      ack: () => m.ack(),
      nak: (delayMs) => m.nak(delayMs),
      redelivered: m.redelivered,
    };
  }
}

/**
 * Events from now on, for one process (edge instances: cache invalidation, live push).
 * An ordered consumer: no state on the server that outlives the instance.
 */
export async function* consumeFromNow(
  js: JetStreamClient,
  filterSubjects: string[],
  signal: AbortSignal | undefined,
  onMalformed: OnMalformed,
  /** Told once the consumer exists: from then on no event is missed (read state before now). */
  onReady?: () => void,
): AsyncGenerator<EventEnvelope> {
  const consumer = await js.consumers.get(STREAM_NAME, {
    filter_subjects: filterSubjects.length === 1 ? filterSubjects[0]! : filterSubjects,
    deliver_policy: DeliverPolicy.New,
  });
  const messages = await consumer.consume();
  onReady?.();
  signal?.addEventListener('abort', () => void messages.close());
  // Stopped while the consumer was being set up: the abort event has already fired.
  if (signal?.aborted) void messages.close();
  for await (const m of messages) {
    let envelope: EventEnvelope;
    try {
      envelope = parseEnvelope(m.json());
    } catch (error) {
      // A malformed event must not stop the instance: it is reported and skipped.
      onMalformed(describeMalformed(m, error));
      continue;
    }
    yield envelope;
  }
}

/** An event with its place in the stream: the sequence orders and resumes live readers. */
export interface SequencedEvent {
  seq: number;
  envelope: EventEnvelope;
}

/**
 * Events after `afterSeq` (all subjects under `filterSubject`), for one process: an ordered
 * consumer, which recreates itself from the last sequence it delivered when its server goes
 * away (a node of a cluster dying), so nothing in between is skipped.
 */
export async function* consumeAfter(
  js: JetStreamClient,
  filterSubject: string,
  afterSeq: number,
  signal: AbortSignal | undefined,
  onMalformed: OnMalformed,
): AsyncGenerator<SequencedEvent> {
  const consumer = await js.consumers.get(STREAM_NAME, {
    filter_subjects: filterSubject,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: afterSeq + 1,
  });
  const messages = await consumer.consume();
  const close = () => void messages.close();
  signal?.addEventListener('abort', close);
  try {
    for await (const m of messages) {
      let envelope: EventEnvelope;
      try {
        envelope = parseEnvelope(m.json());
      } catch (error) {
        onMalformed(describeMalformed(m, error));
        continue;
      }
      yield { seq: m.seq, envelope };
    }
  } finally {
    signal?.removeEventListener('abort', close);
    await messages.close();
  }
}

/** The sequence of the newest message in stream GEWEBE (0 when it is empty). */
export async function lastStreamSeq(nc: NatsConnection): Promise<number> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(STREAM_NAME);
  return info.state.last_seq;
}

export type { JetStreamClient, JetStreamManager };
export { DeliverPolicy, jetstream, jetstreamManager };
