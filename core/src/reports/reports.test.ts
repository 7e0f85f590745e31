// reports.* inside the core against real PostgreSQL: reporting a Knoten or a message, the
// per-account daily limit, the admins' queue, hiding or dismissing with a note, the reporters'
// notifications (and their e-mail through the real mailer and a real SMTP server), and an
// audit row for every step.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { REPORTS_PER_DAY } from '@weltgewebe/events/domain';
import { startSmtpSink } from '@weltgewebe/infra/testing';
import type { ApiError } from '@weltgewebe/kit';
import { createLogger } from '@weltgewebe/kit';
import { type CoreHarness, startCoreHarness } from '../testing/core-harness.ts';
import { failureOf } from '../testing/failure-of.ts';
import { innerCallerAs } from '../testing/inner-caller.ts';
import { NotificationMailer } from '../workers/notifier.ts';

let h: CoreHarness;
type Client = Awaited<ReturnType<CoreHarness['clientAs']>>;
let reader: Client;
let weaver: Client;
let admin: Client;

beforeAll(async () => {
  h = await startCoreHarness();
  [reader, weaver, admin] = await Promise.all([
    h.clientAs('reader'),
    h.clientAs('weaver'),
    h.clientAs('admin'),
  ]);
}, 60_000);
afterAll(async () => {
  await h.stop();
});

const leipzig = { lat: 51.3397, lon: 12.3731 };
const createAs = (client: Client, title: string) =>
  client.nodes.create.mutate({
    operationId: crypto.randomUUID(),
    kind: 'place',
    title,
    ...leipzig,
  });

const auditOf = (type: string, id: string) =>
  h.sql<{ action: string; actor_id: string; changes: Record<string, unknown> }[]>`
    SELECT action, actor_id, changes FROM audit_log
     WHERE aggregate_type = ${type} AND aggregate_id = ${id} ORDER BY id`;

const notesOf = (accountId: string) =>
  h.sql<{ kind: string; text: string; node_id: string }[]>`
    SELECT kind, text, node_id FROM notifications WHERE account_id = ${accountId} AND kind = 'report'
     ORDER BY created_at`;

const accountId = async (subject: string) =>
  (await h.sql<{ id: string }[]>`SELECT id FROM accounts WHERE subject = ${subject}`)[0]!.id;

/** The error an inner caller throws (an ApiError with its stable code). */
async function refusal(call: Promise<unknown>) {
  const error = await call.then(
    () => null,
    (e: unknown) => e as ApiError,
  );
  expect(error).not.toBeNull();
  return error!;
}

describe('reporting and moderating a Knoten', () => {
  test('a reader reports, the same tap again is the same report; admins see it in the queue, readers may not', async () => {
    const node = await createAs(weaver, `Sperrmüll-Ecke ${crypto.randomUUID().slice(0, 6)}`);
    const report = await reader.reports.create.mutate({
      nodeId: node.id,
      reason: 'spam',
      text: 'Nur Werbung für einen Laden.',
    });
    expect(report).toMatchObject({ nodeId: node.id, messageId: null, status: 'open' });
    const again = await reader.reports.create.mutate({ nodeId: node.id, reason: 'spam' });
    expect(again.id).toBe(report.id);
    expect((await auditOf('report', report.id)).map((a) => a.action)).toEqual(['report.create']);

    const denied = await failureOf(reader.reports.queue.query());
    expect(denied.data.code).toBe('FORBIDDEN');
    expect(denied.data.domainCode).toBe('ROLE_REQUIRED');

    const queue = await admin.reports.queue.query({ limit: 100 });
    const entry = queue.find((q) => q.id === report.id);
    expect(entry).toMatchObject({
      nodeTitle: node.title,
      reason: 'spam',
      text: 'Nur Werbung für einen Laden.',
      openOnTarget: 1,
      messageExcerpt: null,
    });
    expect(entry?.reporterName.length).toBeGreaterThan(0);
  });

  test('bad input is a field error with a stable code and writes nothing', async () => {
    const node = await createAs(weaver, 'Bücherschrank');
    const before = (await h.sql`SELECT count(*)::int AS n FROM reports`)[0]!.n;
    const badReason = await failureOf(
      reader.reports.create.mutate({ nodeId: node.id, reason: 'boring' as never }),
    );
    expect(badReason.data.domainCode).toBe('VALIDATION_FAILED');
    expect(Object.keys(badReason.data.fieldErrors ?? {})).toEqual(['reason']);
    const long = await failureOf(
      reader.reports.create.mutate({ nodeId: node.id, reason: 'other', text: 'x'.repeat(1001) }),
    );
    expect(Object.keys(long.data.fieldErrors ?? {})).toEqual(['text']);
    const neither = await failureOf(reader.reports.create.mutate({ reason: 'other' }));
    expect(neither.data.domainCode).toBe('VALIDATION_FAILED');
    const gone = await failureOf(
      reader.reports.create.mutate({ nodeId: crypto.randomUUID(), reason: 'other' }),
    );
    expect(gone.data.domainCode).toBe('NODE_NOT_FOUND');
    expect((await h.sql`SELECT count(*)::int AS n FROM reports`)[0]!.n).toBe(before);
  });

  test('an admin hides it with a note: every reporter of it is told, the node leaves the map, each step is audited', async () => {
    const node = await createAs(weaver, `Falsche Adresse ${crypto.randomUUID().slice(0, 6)}`);
    const first = await reader.reports.create.mutate({ nodeId: node.id, reason: 'misleading' });
    const other = innerCallerAs(h, `person-${crypto.randomUUID()}`, { name: 'Ola Anders' });
    const second = await other.reports.create({ nodeId: node.id, reason: 'wrong_place' });
    const queued = (await admin.reports.queue.query()).filter((q) => q.nodeId === node.id);
    expect(queued.map((q) => q.openOnTarget)).toEqual([2, 2]);

    const done = await admin.reports.resolve.mutate({
      id: first.id,
      outcome: 'hidden',
      note: 'Der Ort existiert nicht mehr.',
    });
    expect(done).toMatchObject({ outcome: 'hidden', closed: 2, hiddenNode: { id: node.id } });
    const [row] = await h.sql`SELECT hidden_at FROM nodes WHERE id = ${node.id}`;
    expect(row!.hidden_at).not.toBeNull();
    expect(await h.sql`SELECT 1 FROM live_nodes WHERE id = ${node.id}`).toHaveLength(0);
    const [event] = await h.sql<{ envelope: { data: { changed: string[] } } }[]>`
      SELECT envelope FROM outbox WHERE subject = 'gewebe.node.updated'
        AND envelope->>'aggregateId' = ${node.id} ORDER BY seq DESC LIMIT 1`;
    expect(event!.envelope.data.changed).toEqual(['hidden']);

    const reporterOf = async (reportId: string) =>
      (await h.sql`SELECT reporter_id FROM reports WHERE id = ${reportId}`)[0]!
        .reporter_id as string;
    for (const [reporterId, reportId] of [
      [await reporterOf(first.id), first.id],
      [await reporterOf(second.id), second.id],
    ] as const) {
      const notes = await notesOf(reporterId);
      expect(notes.at(-1)?.text).toBe(
        `Deine Meldung zu „${node.title}“ wurde geprüft: Der Knoten ist jetzt verborgen. Anmerkung der Moderation: „Der Ort existiert nicht mehr.“`,
      );
      const audit = await auditOf('report', reportId);
      expect(audit.map((a) => a.action)).toEqual(['report.create', 'report.hide']);
      expect(audit[1]!.changes).toMatchObject({ note: 'Der Ort existiert nicht mehr.' });
    }
    expect((await auditOf('node', node.id)).map((a) => a.action)).toContain('node.hide');

    const twice = await failureOf(
      admin.reports.resolve.mutate({ id: second.id, outcome: 'dismissed' }),
    );
    expect(twice.data.code).toBe('CONFLICT');
    expect(twice.data.domainCode).toBe('REPORT_ALREADY_RESOLVED');
    const byReader = await failureOf(
      reader.reports.resolve.mutate({ id: second.id, outcome: 'dismissed' }),
    );
    expect(byReader.data.code).toBe('FORBIDDEN');
  });
});

describe('reporting a message', () => {
  test('dismissed: the message stays and the reporter hears so; hidden: it becomes a tombstone for everyone', async () => {
    const node = await createAs(weaver, `Gesprächsecke ${crypto.randomUUID().slice(0, 6)}`);
    const kept = await weaver.messages.post.mutate({
      nodeId: node.id,
      body: 'Treffen am Samstag um zehn.',
      idempotencyKey: crypto.randomUUID(),
    });
    const rude = await weaver.messages.post.mutate({
      nodeId: node.id,
      body: 'Ihr seid alle …',
      idempotencyKey: crypto.randomUUID(),
    });
    const r1 = await reader.reports.create.mutate({ messageId: kept.id, reason: 'other' });
    expect(r1).toMatchObject({ nodeId: node.id, messageId: kept.id });
    const r2 = await reader.reports.create.mutate({ messageId: rude.id, reason: 'harassment' });
    const entry = (await admin.reports.queue.query()).find((q) => q.id === r2.id);
    expect(entry?.messageExcerpt).toBe('Ihr seid alle …');

    await admin.reports.resolve.mutate({ id: r1.id, outcome: 'dismissed', note: 'Passt.' });
    const [stays] = await h.sql`SELECT hidden_at, body FROM messages WHERE id = ${kept.id}`;
    expect(stays).toMatchObject({ hidden_at: null, body: 'Treffen am Samstag um zehn.' });
    await admin.reports.resolve.mutate({ id: r2.id, outcome: 'hidden' });
    const [gone] = await h.sql`SELECT hidden_at FROM messages WHERE id = ${rude.id}`;
    expect(gone!.hidden_at).not.toBeNull();
    expect((await auditOf('message', rude.id)).map((a) => a.action)).toEqual(['message.hide']);
    const [retracted] = await h.sql`SELECT 1 FROM outbox WHERE subject = 'gewebe.message.retracted'
      AND envelope->>'aggregateId' = ${rude.id}`;
    expect(retracted).toBeDefined();

    const readerId = (await h.sql`SELECT reporter_id FROM reports WHERE id = ${r1.id}`)[0]!
      .reporter_id;
    const texts = (await notesOf(readerId)).map((n) => n.text);
    expect(texts).toContain(
      `Deine Meldung zum Beitrag bei „${node.title}“ wurde geprüft und zurückgewiesen: Es wurde nichts verborgen. Anmerkung der Moderation: „Passt.“`,
    );
    expect(texts).toContain(
      `Deine Meldung zum Beitrag bei „${node.title}“ wurde geprüft: Der Beitrag ist jetzt verborgen.`,
    );
    const refused = await failureOf(
      reader.reports.create.mutate({ messageId: rude.id, reason: 'spam' }),
    );
    expect(refused.data.domainCode).toBe('MESSAGE_NOT_FOUND');
  });
});

describe('the daily limit', () => {
  test(`the ${REPORTS_PER_DAY + 1}th report within 24 hours is TOO_MANY_REQUESTS and writes nothing; a day later it goes`, async () => {
    const subject = `busy-${crypto.randomUUID()}`;
    const nodes = [];
    for (let i = 0; i <= REPORTS_PER_DAY; i++) nodes.push(await createAs(weaver, `Knoten ${i}`));
    const start = new Date();
    const busy = innerCallerAs(h, subject, { now: () => start });
    for (const n of nodes.slice(0, REPORTS_PER_DAY)) {
      await busy.reports.create({ nodeId: n.id, reason: 'spam' });
    }
    const over = await refusal(busy.reports.create({ nodeId: nodes.at(-1)!.id, reason: 'spam' }));
    expect(over.code).toBe('TOO_MANY_REQUESTS');
    expect(over.domainCode).toBe('REPORT_LIMIT_REACHED');
    expect((over.details as { retryAfterSeconds: number }).retryAfterSeconds).toBe(24 * 3600);
    const id = await accountId(subject);
    expect(
      (await h.sql`SELECT count(*)::int AS n FROM reports WHERE reporter_id = ${id}`)[0]!.n,
    ).toBe(REPORTS_PER_DAY);
    const later = innerCallerAs(h, subject, {
      now: () => new Date(start.getTime() + 24 * 3600_000 + 1000),
    });
    const ok = await later.reports.create({ nodeId: nodes.at(-1)!.id, reason: 'spam' });
    expect(ok.status).toBe('open');
  });
});

describe('the reporter is told by e-mail too', () => {
  test('the notification mailer sends the outcome to the reporter with a fitting subject and reason', async () => {
    const sink = await startSmtpSink();
    try {
      const subject = `mailed-${crypto.randomUUID()}`;
      const person = innerCallerAs(h, subject, { name: 'Mara Meldend' });
      const node = await createAs(weaver, `Illegaler Müll ${crypto.randomUUID().slice(0, 6)}`);
      const report = await person.reports.create({ nodeId: node.id, reason: 'illegal' });
      const id = await accountId(subject);
      await h.sql`INSERT INTO account_emails (account_id, email) VALUES (${id}, 'mara@example.test')`;
      await admin.reports.resolve.mutate({
        id: report.id,
        outcome: 'dismissed',
        note: 'Ist erlaubt.',
      });
      const mailer = new NotificationMailer({
        sql: h.sql,
        log: createLogger('workers', { sink: () => {} }),
        smtpUrl: sink.url,
        from: 'Weltgewebe <noreply@weltgewebe.test>',
        siteUrl: 'https://weltgewebe.test',
      });
      await mailer.sendDue();
      await mailer.stop();
      const mail = sink.mails.find((m) => m.to.includes('mara@example.test'));
      expect(mail?.headers.get('subject')).toContain('=?UTF-8?');
      expect(mail?.text).toContain('wurde geprüft und zurückgewiesen');
      expect(mail?.text).toContain('Ist erlaubt.');
      expect(mail?.text).toContain('weil du im Weltgewebe etwas gemeldet hast');
    } finally {
      await sink.stop();
    }
  });
});
