// A message on the stream that is not a valid envelope is reported to the caller and skipped;
// the events after it still arrive (a real nats-server with JetStream).
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { testServices } from '@weltgewebe/infra/testing';
import {
  connectNats,
  consumeFromNow,
  ensureStream,
  jetstream,
  type NatsConnection,
  type OnMalformed,
} from './jetstream.ts';

let nc: NatsConnection;
beforeAll(async () => {
  const { nats } = await testServices();
  nc = await connectNats(nats.url, 'events-test');
  await ensureStream(nc);
});
afterAll(async () => {
  await nc.drain();
});

test('a malformed event is reported with its subject and skipped, the next one arrives', async () => {
  const js = jetstream(nc);
  const reports: Parameters<OnMalformed>[0][] = [];
  const stop = new AbortController();
  const subject = 'gewebe.map.viewed';
  const received = (async () => {
    for await (const envelope of consumeFromNow(js, [subject], stop.signal, (info) =>
      reports.push(info),
    ))
      return envelope;
  })();
  await Bun.sleep(300); // attached
  await js.publish(subject, '{"not":"an envelope"}');
  const good = {
    id: crypto.randomUUID(),
    type: 'map.viewed',
    occurredAt: new Date().toISOString(),
    actorId: null,
    aggregateId: 'map',
    version: 1,
    data: { zoom: 12, count: 1 },
  };
  await js.publish(subject, JSON.stringify(good));
  const envelope = await received;
  stop.abort();
  expect(envelope?.id).toBe(good.id);
  expect(reports).toHaveLength(1);
  expect(reports[0]?.subject).toBe(subject);
  expect(reports[0]?.error.length).toBeGreaterThan(0);
});
