// notifier against real PostgreSQL, NATS and a real SMTP server started here: a message and
// a participation by someone else on a node give its creator one in-app row and one e-mail
// each, linking to the node on the site; a full redelivery adds neither; a refused send is
// retried without a second row.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { AddressInfo } from 'node:net';
import { STREAM_NAME } from '@weltgewebe/events/contracts';
import { jetstreamManager } from '@weltgewebe/events/jetstream';
import { createLogger } from '@weltgewebe/kit';
import { SMTPServer } from 'smtp-server';
import { writeEvent } from '../outbox/write-event.ts';
import { type CoreHarness, startCoreHarness } from '../testing/core-harness.ts';
import { EventWorker, type Outcome } from './event-worker.ts';
import { NotificationMailer, notifierHandler } from './notifier.ts';
import { consumerDrained, outboxPublished, purgeStream, waitFor } from './worker-testing.ts';

interface ReceivedMail {
  to: string[];
  raw: string;
  /** The text as the reader sees it (transfer encoding undone). */
  text: string;
  notificationId: string | null;
}

const SITE = 'https://weltgewebe.test';

/** The body of a single-part mail with its Content-Transfer-Encoding undone. */
function bodyText(raw: string): string {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split);
  const body = raw.slice(split + 4);
  const encoding = /^Content-Transfer-Encoding:\s*(\S+)/im.exec(head)?.[1]?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(body, 'base64').toString('utf8');
  if (encoding !== 'quoted-printable') return body;
  const bytes: number[] = [];
  const flat = body.replace(/=\r?\n/g, '');
  for (let i = 0; i < flat.length; i++) {
    const escaped = flat[i] === '=' && /^[0-9A-F]{2}$/i.test(flat.slice(i + 1, i + 3));
    bytes.push(escaped ? Number.parseInt(flat.slice(i + 1, i + 3), 16) : flat.charCodeAt(i));
    if (escaped) i += 2;
  }
  return Buffer.from(bytes).toString('utf8');
}

let h: CoreHarness;
let smtp: SMTPServer;
let smtpPort: number;
const mails: ReceivedMail[] = [];
let refuseNext = 0;
const log = createLogger('workers', { sink: () => {} });

beforeAll(async () => {
  h = await startCoreHarness();
  await purgeStream(h.nc);
  await h.relay.start();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (refuseNext > 0) {
        refuseNext--;
        return callback(
          Object.assign(new Error('Postfach gerade nicht erreichbar'), { responseCode: 451 }),
        );
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          text: bodyText(raw),
          notificationId: /^X-Weltgewebe-Notification: (\S+)/m.exec(raw)?.[1] ?? null,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await h.stop();
});

const durable = `notifier-${crypto.randomUUID().slice(0, 8)}`;

async function startNotifier(outcomes: Record<string, number>) {
  const mailer = new NotificationMailer({
    sql: h.sql,
    log,
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    from: 'Weltgewebe <noreply@weltgewebe.test>',
    siteUrl: SITE,
    pollIntervalMs: 200,
    retryBaseMs: 300,
  });
  const worker = new EventWorker({
    sql: h.sql,
    js: h.js,
    jsm: await jetstreamManager(h.nc),
    log,
    handler: notifierHandler({ name: durable, onNotified: () => mailer.poke() }),
    ackWaitMs: 2_000,
    onOutcome: (o: Outcome | 'failed') => {
      outcomes[o] = (outcomes[o] ?? 0) + 1;
    },
  });
  return { mailer, worker };
}

async function accountId(subject: string) {
  const [row] = await h.sql<{ id: string }[]>`SELECT id FROM accounts WHERE subject = ${subject}`;
  return row!.id;
}

async function postMessage(nodeId: string, authorId: string, body: string) {
  await h.sql.begin((tx) =>
    writeEvent(
      tx,
      'message.posted',
      { actorId: authorId, aggregateId: nodeId, version: 1 },
      {
        messageId: crypto.randomUUID(),
        nodeId,
        authorId,
        authorName: 'Rike Reader',
        body,
        createdAt: new Date().toISOString(),
      },
    ),
  );
}

describe('notifier', () => {
  let nodeId: string;

  test('a message and a participation by someone else reach the creator once in the app and once by e-mail, even when every event is delivered again', async () => {
    const weaver = await h.clientAs('weaver');
    const reader = await h.clientAs('reader');
    const node = await weaver.nodes.create.mutate({
      operationId: crypto.randomUUID(),
      kind: 'project',
      title: 'Repair-Café Ottensen',
      lat: 53.55,
      lon: 9.93,
    });
    nodeId = node.id;
    // The reader's own node: their own knotting thread tells nobody anything.
    await reader.nodes.create.mutate({
      operationId: crypto.randomUUID(),
      kind: 'place',
      title: 'Bücherschrank',
      lat: 53.56,
      lon: 9.95,
    });
    const [email] = await h.sql<{ email: string }[]>`
      SELECT email FROM account_emails WHERE account_id = ${await accountId('demo-weaver')}`;
    expect(email!.email).toBe('weaver@weltgewebe.test');

    const readerId = await accountId('demo-reader');
    // The real commands: a message (which also spins a conversation thread) and an "I'm in".
    await reader.messages.post.mutate({
      nodeId: node.id,
      body: 'Ich bringe am Samstag meinen Toaster mit.',
      idempotencyKey: crypto.randomUUID(),
    });
    await reader.threads.spin.mutate({ nodeId: node.id });
    await outboxPublished(h.sql);

    const outcomes: Record<string, number> = {};
    const first = await startNotifier(outcomes);
    first.mailer.start();
    await first.worker.start();
    await consumerDrained(h.nc, durable);
    await waitFor(
      async () => mails.length,
      (n) => n >= 2,
    );
    // The server has the mail before the mailer commits emailed_at: wait for that too.
    const weaverId = await accountId('demo-weaver');
    const rows = await waitFor(
      () => h.sql<{ id: string; kind: string; text: string; emailed_at: Date | null }[]>`
        SELECT id, kind, text, emailed_at FROM notifications
         WHERE account_id = ${weaverId} ORDER BY kind`,
      (r) => r.length === 2 && r.every((n) => n.emailed_at !== null),
    );
    expect(rows.map((r) => r.kind)).toEqual(['message', 'thread']);
    expect(rows[0]!.text).toBe(
      'Rike Reader hat bei „Repair-Café Ottensen“ geschrieben: „Ich bringe am Samstag meinen Toaster mit.“',
    );
    expect(rows[1]!.text).toBe('Rike Reader macht bei „Repair-Café Ottensen“ mit.');
    expect(rows.every((r) => r.emailed_at !== null)).toBe(true);
    const inApp = await weaver.notifications.list.query();
    expect(inApp.unread).toBe(2);
    expect(inApp.items.map((n) => n.text).sort()).toEqual(rows.map((r) => r.text).sort());
    expect(await h.sql`SELECT 1 FROM notifications WHERE account_id = ${readerId}`).toHaveLength(0);
    expect(mails).toHaveLength(2);
    expect(mails.every((m) => m.to.join() === 'weaver@weltgewebe.test')).toBe(true);
    expect(mails.map((m) => m.notificationId).sort()).toEqual(rows.map((r) => r.id).sort());
    // Each mail says what happened and links to the node on the site (the map opens it).
    expect(
      mails.map((m) => m.text.includes(rows[0]!.text) || m.text.includes(rows[1]!.text)),
    ).toEqual([true, true]);
    expect(mails.map((m) => m.text.match(/^Zum Knoten: (\S+)$/m)?.[1])).toEqual([
      `${SITE}/?knoten=${node.id}`,
      `${SITE}/?knoten=${node.id}`,
    ]);
    expect(outcomes.processed).toBeGreaterThanOrEqual(2);

    // Every event once more: a new consumer of the same name starts the stream from the top.
    await first.worker.stop();
    const jsm = await jetstreamManager(h.nc);
    await jsm.consumers.delete(STREAM_NAME, durable);
    const again: Record<string, number> = {};
    const second = await startNotifier(again);
    await second.worker.start();
    await consumerDrained(h.nc, durable);
    await Bun.sleep(700); // a few mailer rounds
    await second.worker.stop();
    await first.mailer.stop();
    expect(again.duplicate).toBe(outcomes.processed);
    expect(again.processed).toBeUndefined();
    const [count] = await h.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM notifications`;
    expect(count!.n).toBe(2);
    expect(mails).toHaveLength(2);
  });

  test('a refused send is tried again later: one row, one e-mail', async () => {
    const outcomes: Record<string, number> = {};
    const { mailer, worker } = await startNotifier(outcomes);
    mailer.start();
    await worker.start();
    refuseNext = 1;
    const before = mails.length;
    await postMessage(nodeId, await accountId('demo-reader'), 'Gibt es noch Lötzinn?');
    await outboxPublished(h.sql);

    const failed = await waitFor(
      () =>
        h.sql<{ email_attempts: number; email_error: string | null }[]>`
          SELECT email_attempts, email_error FROM notifications WHERE text LIKE '%Lötzinn%'`,
      (r) => r.length === 1 && r[0]!.email_attempts >= 1,
    );
    expect(failed[0]!.email_error).toContain('Postfach gerade nicht erreichbar');
    await waitFor(
      async () => mails.length,
      (n) => n > before,
    );
    await Bun.sleep(700);
    await worker.stop();
    await mailer.stop();
    const rows = await h.sql<{ emailed_at: Date | null; email_attempts: number }[]>`
      SELECT emailed_at, email_attempts FROM notifications WHERE text LIKE '%Lötzinn%'`;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.emailed_at).not.toBeNull();
    expect(rows[0]!.email_attempts).toBe(2);
    expect(mails.length).toBe(before + 1);
    expect(refuseNext).toBe(0);
  });
});
