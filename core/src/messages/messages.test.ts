// messages.post / retract: idempotency per key, the author's name at the time, the
// conversation thread, tombstones, who may retract, and the events.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { TRPCClientError } from '@trpc/client';
import { type CoreHarness, startCoreHarness } from '../testing/core-harness.ts';
import { innerCallerAs } from '../testing/inner-caller.ts';
import { overlapping } from '../testing/overlapping.ts';

let h: CoreHarness;
let nodeId: string;
beforeAll(async () => {
  h = await startCoreHarness();
  const weaver = await h.clientAs('weaver');
  nodeId = (
    await weaver.nodes.create.mutate({
      operationId: crypto.randomUUID(),
      kind: 'resource',
      title: 'Werkzeugschrank',
      lat: 50.94,
      lon: 6.96,
    })
  ).id;
});
afterAll(async () => {
  await h.stop();
});

const post = (body: string, key = crypto.randomUUID(), node = nodeId) => ({
  nodeId: node,
  body,
  idempotencyKey: key,
});

const errorOf = async (p: Promise<unknown>) =>
  (await p.catch((e: unknown) => e)) as TRPCClientError<never>;

describe('messages.post', () => {
  test('posts with the author name, spins a conversation thread, emits message.posted; the same key returns the first', async () => {
    const reader = await h.clientAs('reader');
    const input = post('Ist die Stichsäge noch da?');
    const message = await reader.messages.post.mutate(input);
    expect(message).toMatchObject({
      nodeId,
      authorName: 'Rike Reader',
      body: 'Ist die Stichsäge noch da?',
      retracted: false,
      hidden: false,
    });
    const again = await reader.messages.post.mutate(input);
    expect(again).toEqual(message);
    expect(
      (await h.sql`SELECT id FROM messages WHERE idempotency_key = ${input.idempotencyKey}`).length,
    ).toBe(1);
    const events = await h.sql<{ envelope: { data: Record<string, unknown> } }[]>`
      SELECT envelope FROM outbox WHERE subject = 'gewebe.message.posted' AND envelope->>'aggregateId' = ${message.id}`;
    expect(events.length).toBe(1);
    expect(events[0]!.envelope.data).toMatchObject({
      messageId: message.id,
      nodeId,
      authorName: 'Rike Reader',
      body: 'Ist die Stichsäge noch da?',
    });
    const threads = await h.sql`SELECT t.id FROM threads t JOIN accounts a ON a.id = t.account_id
      WHERE a.subject = 'demo-reader' AND t.node_id = ${nodeId} AND t.kind = 'conversation' AND t.expired_at IS NULL`;
    expect(threads.length).toBe(1);

    // A second message renews the conversation thread instead of adding one.
    await reader.messages.post.mutate(post('Und der Akkuschrauber?'));
    const after =
      await h.sql`SELECT subject FROM outbox WHERE envelope->>'aggregateId' = ${threads[0]!.id} ORDER BY seq`;
    expect(after.map((r) => r.subject)).toEqual(['gewebe.thread.spun', 'gewebe.thread.renewed']);
  });

  test('the name at the time stays on old messages', async () => {
    const subject = `messages-${crypto.randomUUID()}`;
    const caller = innerCallerAs(h, subject, { name: 'Alter Name' });
    const message = await caller.messages.post(post('Hallo'));
    await h.sql`UPDATE accounts SET display_name = 'Neuer Name' WHERE subject = ${subject}`;
    const later = await caller.messages.post(post('Wieder da'));
    expect(message.authorName).toBe('Alter Name');
    expect(later.authorName).toBe('Neuer Name');
    const [row] = await h.sql`SELECT author_name FROM messages WHERE id = ${message.id}`;
    expect(row!.author_name).toBe('Alter Name');
  });

  test('two overlapping posts with one key store one message', async () => {
    const caller = innerCallerAs(h, `messages-${crypto.randomUUID()}`);
    await caller.accounts.me(); // provisioned beforehand: no account.registered in the way
    const input = post('Doppelt gesendet?');
    const [a, b] = await overlapping(
      h.sql,
      () => caller.messages.post(input),
      () => caller.messages.post(input),
    );
    expect(b).toEqual(a);
    expect(
      (await h.sql`SELECT id FROM messages WHERE idempotency_key = ${input.idempotencyKey}`).length,
    ).toBe(1);
  });

  test('refusals: a reused key with other content CONFLICT, bad fields, unknown node, no token', async () => {
    const reader = await h.clientAs('reader');
    const key = crypto.randomUUID();
    await reader.messages.post.mutate(post('Erster Text', key));
    expect(
      (await errorOf(reader.messages.post.mutate(post('Anderer Text', key)))).data,
    ).toMatchObject({ code: 'CONFLICT', domainCode: 'IDEMPOTENCY_KEY_REUSED' });
    const bad = await errorOf(
      reader.messages.post.mutate({ nodeId, body: '   ', idempotencyKey: 'nope' }),
    );
    expect(bad.data).toMatchObject({ code: 'BAD_REQUEST', domainCode: 'VALIDATION_FAILED' });
    expect(
      Object.keys((bad.data as unknown as { fieldErrors: object }).fieldErrors).sort(),
    ).toEqual(['body', 'idempotencyKey']);
    expect((await errorOf(reader.messages.post.mutate(post('x'.repeat(4001))))).data).toMatchObject(
      { domainCode: 'VALIDATION_FAILED' },
    );
    expect((await reader.messages.post.mutate(post('x'.repeat(4000)))).body!.length).toBe(4000);
    expect(
      (await errorOf(reader.messages.post.mutate(post('Hallo?', undefined, crypto.randomUUID()))))
        .data,
    ).toMatchObject({ code: 'NOT_FOUND', domainCode: 'NODE_NOT_FOUND' });
    expect(
      (await errorOf(h.clientFor(null).messages.post.mutate(post('anonym')))).data,
    ).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });
  });
});

describe('messages.retract', () => {
  test('the author blanks the text, the place stays; twice is one retraction', async () => {
    const reader = await h.clientAs('reader');
    const input = post('Das war ein Versehen');
    const message = await reader.messages.post.mutate(input);
    const retracted = await reader.messages.retract.mutate({ messageId: message.id });
    expect(retracted).toMatchObject({
      id: message.id,
      body: null,
      retracted: true,
      createdAt: message.createdAt,
    });
    expect(retracted.retractedAt).not.toBeNull();
    expect(await reader.messages.retract.mutate({ messageId: message.id })).toEqual(retracted);
    const [row] = await h.sql`SELECT body, seq FROM messages WHERE id = ${message.id}`;
    expect(row!.body).toBe('');
    // The same key again shows the tombstone, never the old text.
    expect(await reader.messages.post.mutate(input)).toEqual(retracted);
    const events =
      await h.sql`SELECT envelope FROM outbox WHERE subject = 'gewebe.message.retracted' AND envelope->>'aggregateId' = ${message.id}`;
    expect(events.length).toBe(1);
    expect(events[0]!.envelope.data).toEqual({ messageId: message.id, nodeId });
    const [audit] = await h.sql`SELECT action FROM audit_log WHERE aggregate_id = ${message.id}`;
    expect(audit!.action).toBe('message.retract');
  });

  test('someone else’s message: FORBIDDEN for a weaver, allowed for an admin', async () => {
    const reader = await h.clientAs('reader');
    const message = await reader.messages.post.mutate(post('Meins'));
    const weaver = await h.clientAs('weaver');
    expect(
      (await errorOf(weaver.messages.retract.mutate({ messageId: message.id }))).data,
    ).toMatchObject({ code: 'FORBIDDEN', domainCode: 'NOT_MESSAGE_AUTHOR' });
    const [still] = await h.sql`SELECT body FROM messages WHERE id = ${message.id}`;
    expect(still!.body).toBe('Meins');
    const admin = await h.clientAs('admin');
    const retracted = await admin.messages.retract.mutate({ messageId: message.id });
    expect(retracted).toMatchObject({ body: null, retracted: true });
  });

  test('unknown message NOT_FOUND; no token UNAUTHORIZED', async () => {
    const reader = await h.clientAs('reader');
    expect(
      (await errorOf(reader.messages.retract.mutate({ messageId: crypto.randomUUID() }))).data,
    ).toMatchObject({ code: 'NOT_FOUND', domainCode: 'MESSAGE_NOT_FOUND' });
    expect(
      (await errorOf(h.clientFor(null).messages.retract.mutate({ messageId: crypto.randomUUID() })))
        .data,
    ).toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
