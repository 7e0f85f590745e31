// nodes.update / nodes.remove / nodes.hide inside the core: who may, versions, tombstones,
// audit rows, outbox events, idempotent repeats and concurrent edits.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { TRPCClientError } from '@trpc/client';
import type { ApiErrorData } from '@weltgewebe/kit';
import postgres from 'postgres';
import type { CoreRouter } from '../router.ts';
import { type CoreHarness, startCoreHarness } from '../testing/core-harness.ts';
import { failureOf } from '../testing/failure-of.ts';

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

const bremen = { lat: 53.0793, lon: 8.8017 };
const op = () => crypto.randomUUID();

const createAs = (client: Client, title: string, at = bremen) =>
  client.nodes.create.mutate({ operationId: op(), kind: 'place', title, ...at });

const auditOf = (nodeId: string) =>
  h.sql<
    { action: string; actor_id: string; changes: Record<string, unknown>; request_id: string }[]
  >`
    SELECT action, actor_id, changes, request_id FROM audit_log
    WHERE aggregate_type = 'node' AND aggregate_id = ${nodeId} ORDER BY id`;

const outboxOf = (nodeId: string, subject: string) =>
  h.sql<{ envelope: { actorId: string; version: number; data: Record<string, unknown> } }[]>`
    SELECT envelope FROM outbox WHERE subject = ${subject} AND envelope->>'aggregateId' = ${nodeId} ORDER BY seq`;

const accountId = async (subject: string) =>
  (await h.sql<{ id: string }[]>`SELECT id FROM accounts WHERE subject = ${subject}`)[0]!.id;

describe('nodes.update', () => {
  test('its creator edits it: new version, audit row with old and new values, node.updated with previousLocation', async () => {
    const node = await createAs(reader, 'Tauschregal Viertel');
    const moved = { lat: 53.08, lon: 8.81 };
    const updated = await reader.nodes.update.mutate({
      id: node.id,
      expectedVersion: node.version,
      operationId: op(),
      title: 'Tauschregal im Viertel',
      topics: ['neighbourhood'],
      ...moved,
    });
    expect(updated).toMatchObject({ id: node.id, version: 2, title: 'Tauschregal im Viertel' });
    expect(updated.topics).toEqual(['neighbourhood']);
    expect(updated.lat).toBeCloseTo(moved.lat, 9);
    expect(updated.kind).toBe('place');

    const audit = await auditOf(node.id);
    expect(audit.map((a) => a.action)).toEqual(['node.create', 'node.update']);
    expect(audit[1]!.actor_id).toBe(await accountId('demo-reader'));
    expect(audit[1]!.request_id).toBeString();
    expect(audit[1]!.changes).toEqual({
      title: { old: 'Tauschregal Viertel', new: 'Tauschregal im Viertel' },
      topics: { old: [], new: ['neighbourhood'] },
      location: { old: { lat: node.lat, lon: node.lon }, new: moved },
      version: { old: 1, new: 2 },
    });

    const [event] = await outboxOf(node.id, 'gewebe.node.updated');
    expect(event!.envelope.version).toBe(2);
    expect(event!.envelope.data).toMatchObject({
      id: node.id,
      title: 'Tauschregal im Viertel',
      location: moved,
      previousLocation: { lat: node.lat, lon: node.lon },
      version: 2,
    });
    expect((event!.envelope.data.changed as string[]).sort()).toEqual([
      'location',
      'title',
      'topics',
    ]);
    const [{ h3 }] =
      (await h.sql`SELECT h3_r9::text AS h3 FROM nodes WHERE id = ${node.id}`) as unknown as [
        { h3: string },
      ];
    const { latLngToCell } = await import('h3-js');
    expect(BigInt(h3)).toBe(BigInt(`0x${latLngToCell(moved.lat, moved.lon, 9)}`));
  });

  test('a weaver edits a node of someone else; a reader may not and is told what is missing', async () => {
    const readersNode = await createAs(reader, 'Leihladen');
    const byWeaver = await weaver.nodes.update.mutate({
      id: readersNode.id,
      expectedVersion: 1,
      operationId: op(),
      summary: 'Werkzeug und Küchengeräte',
    });
    expect(byWeaver).toMatchObject({ version: 2, summary: 'Werkzeug und Küchengeräte' });
    expect(byWeaver.createdBy).toBe(readersNode.createdBy);
    expect((await auditOf(readersNode.id))[1]!.actor_id).toBe(await accountId('demo-weaver'));

    const weaversNode = await createAs(weaver, 'Saatgutbörse');
    const refused = await failureOf(
      reader.nodes.update.mutate({
        id: weaversNode.id,
        expectedVersion: 1,
        operationId: op(),
        title: 'Meins',
      }),
    );
    expect(refused.data).toMatchObject({
      code: 'FORBIDDEN',
      domainCode: 'NODE_NOT_YOURS',
      httpStatus: 403,
    });
    expect(refused.message).toContain('Rolle Weber');
    const removeRefused = await failureOf(
      reader.nodes.remove.mutate({ id: weaversNode.id, expectedVersion: 1, operationId: op() }),
    );
    expect(removeRefused.data.domainCode).toBe('NODE_NOT_YOURS');
    expect(removeRefused.message).toContain('entfernen');
    const [row] =
      await h.sql`SELECT title, version, removed_at FROM nodes WHERE id = ${weaversNode.id}`;
    expect(row).toEqual({ title: 'Saatgutbörse', version: 1, removed_at: null });
    expect((await auditOf(weaversNode.id)).map((a) => a.action)).toEqual(['node.create']);
  });

  test('an admin edits and removes any node', async () => {
    const node = await createAs(weaver, 'Offene Werkstatt');
    const edited = await admin.nodes.update.mutate({
      id: node.id,
      expectedVersion: 1,
      operationId: op(),
      address: 'Am Deich 1',
    });
    expect(edited).toMatchObject({ version: 2, address: 'Am Deich 1' });
    const removed = await admin.nodes.remove.mutate({
      id: node.id,
      expectedVersion: 2,
      operationId: op(),
    });
    expect(removed).toMatchObject({ id: node.id, version: 3 });
  });

  test('a stale expectedVersion is a CONFLICT carrying the current node; nothing changes', async () => {
    const node = await createAs(reader, 'Nachbarschaftscafé');
    const current = await reader.nodes.update.mutate({
      id: node.id,
      expectedVersion: 1,
      operationId: op(),
      body: '**Jeden Dienstag** ab 15 Uhr',
    });
    const stale = await failureOf(
      weaver.nodes.update.mutate({
        id: node.id,
        expectedVersion: 1,
        operationId: op(),
        title: 'Veraltet',
      }),
    );
    expect(stale.data).toMatchObject({
      code: 'CONFLICT',
      domainCode: 'NODE_VERSION_CONFLICT',
      httpStatus: 409,
    });
    expect(stale.data.details).toEqual({ current });
    expect(stale.message).toContain('Version 2');
    const staleRemove = await failureOf(
      reader.nodes.remove.mutate({ id: node.id, expectedVersion: 1, operationId: op() }),
    );
    expect(staleRemove.data.domainCode).toBe('NODE_VERSION_CONFLICT');
    expect(staleRemove.data.details).toEqual({ current });
    const [row] = await h.sql`SELECT title, version, removed_at FROM nodes WHERE id = ${node.id}`;
    expect(row).toEqual({ title: 'Nachbarschaftscafé', version: 2, removed_at: null });
  });

  test('concurrent edits with the same expectedVersion: exactly one wins, the others get CONFLICT', async () => {
    const node = await createAs(weaver, 'Gemeinschaftsküche');
    // Hold the row until all four edits are inside their transactions, so they truly overlap.
    const side = postgres(h.db.coreUrl, { max: 2, onnotice: () => {} });
    try {
      // The transaction ends (and frees the row) when the callback returns, not when the edits do.
      const { pending } = await side.begin(async (tx) => {
        await tx`SELECT 1 FROM nodes WHERE id = ${node.id} FOR UPDATE`;
        const pending = Promise.allSettled(
          [weaver, admin, weaver, admin].map((client, i) =>
            client.nodes.update.mutate({
              id: node.id,
              expectedVersion: 1,
              operationId: op(),
              title: `Küche ${i}`,
            }),
          ),
        );
        const deadline = Date.now() + 10_000;
        for (;;) {
          const [{ waiting }] = (await side`SELECT count(*)::int AS waiting FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'core-test'
              AND wait_event_type = 'Lock'`) as unknown as [{ waiting: number }];
          if (waiting >= 4 || Date.now() > deadline) break;
          await Bun.sleep(20);
        }
        return { pending };
      });
      const attempts = await pending;
      const won = attempts.filter((a) => a.status === 'fulfilled');
      const lost = attempts.filter((a) => a.status === 'rejected');
      expect(won.length).toBe(1);
      expect(lost.length).toBe(3);
      for (const l of lost) {
        const data = ((l as PromiseRejectedResult).reason as TRPCClientError<CoreRouter>)
          .data as unknown as ApiErrorData;
        expect(data).toMatchObject({ code: 'CONFLICT', domainCode: 'NODE_VERSION_CONFLICT' });
      }
      const [row] = await h.sql`SELECT title, version FROM nodes WHERE id = ${node.id}`;
      expect(row!.version).toBe(2);
      expect(row!.title).toBe((won[0] as PromiseFulfilledResult<{ title: string }>).value.title);
      expect((await outboxOf(node.id, 'gewebe.node.updated')).length).toBe(1);
    } finally {
      await side.end();
    }
  });

  test('a repeat with the same operationId returns the first answer and changes nothing; other content is a CONFLICT', async () => {
    const node = await createAs(reader, 'Foodsharing-Fairteiler');
    const input = {
      id: node.id,
      expectedVersion: 1,
      operationId: op(),
      topics: ['food' as const],
    };
    const first = await reader.nodes.update.mutate(input);
    const again = await reader.nodes.update.mutate(input);
    expect(again).toEqual(first);
    expect(first.version).toBe(2);
    expect((await auditOf(node.id)).length).toBe(2);
    expect((await outboxOf(node.id, 'gewebe.node.updated')).length).toBe(1);

    const reused = await failureOf(reader.nodes.update.mutate({ ...input, topics: ['health'] }));
    expect(reused.data).toMatchObject({ code: 'CONFLICT', domainCode: 'OPERATION_ID_REUSED' });
    // The same id by another person is not theirs to replay.
    const foreign = await failureOf(weaver.nodes.update.mutate(input));
    expect(foreign.data.domainCode).toBe('OPERATION_ID_REUSED');
  });

  test('the node after the edit must hold: an event needs a start, the end not before it', async () => {
    const node = await createAs(reader, 'Hoffest');
    const noStart = await failureOf(
      reader.nodes.update.mutate({
        id: node.id,
        expectedVersion: 1,
        operationId: op(),
        kind: 'event',
      }),
    );
    expect(noStart.data).toMatchObject({ code: 'BAD_REQUEST', domainCode: 'VALIDATION_FAILED' });
    expect(Object.keys(noStart.data.fieldErrors!)).toEqual(['startsAt']);
    const ok = await reader.nodes.update.mutate({
      id: node.id,
      expectedVersion: 1,
      operationId: op(),
      kind: 'event',
      startsAt: '2026-06-20T14:00:00+02:00',
    });
    expect(ok.startsAt).toBe('2026-06-20T12:00:00.000Z');
    const endBefore = await failureOf(
      reader.nodes.update.mutate({
        id: node.id,
        expectedVersion: 2,
        operationId: op(),
        endsAt: '2026-06-20T11:00:00Z',
      }),
    );
    expect(Object.keys(endBefore.data.fieldErrors!)).toEqual(['endsAt']);
    const clearStart = await failureOf(
      reader.nodes.update.mutate({
        id: node.id,
        expectedVersion: 2,
        operationId: op(),
        startsAt: null,
      }),
    );
    expect(Object.keys(clearStart.data.fieldErrors!)).toEqual(['startsAt']);
  });

  test('create limits hold for edits too; an empty edit, an unknown node and NUL characters are refused', async () => {
    const node = await createAs(reader, 'Bücherschrank');
    const bad = await failureOf(
      reader.nodes.update.mutate({
        id: node.id,
        expectedVersion: 1,
        operationId: op(),
        title: 'x'.repeat(121),
        topics: ['food', 'art', 'craft', 'energy', 'health'],
        lat: 86,
        summary: 'a\u0000b',
      }),
    );
    expect(bad.data.domainCode).toBe('VALIDATION_FAILED');
    expect(Object.keys(bad.data.fieldErrors!).sort()).toEqual([
      'lat',
      'summary',
      'title',
      'topics',
    ]);
    const empty = await failureOf(
      reader.nodes.update.mutate({ id: node.id, expectedVersion: 1, operationId: op() }),
    );
    expect(Object.keys(empty.data.fieldErrors!)).toEqual(['_']);
    const unknown = await failureOf(
      reader.nodes.update.mutate({
        id: crypto.randomUUID(),
        expectedVersion: 1,
        operationId: op(),
        title: 'x',
      }),
    );
    expect(unknown.data).toMatchObject({ code: 'NOT_FOUND', domainCode: 'NODE_NOT_FOUND' });
    // An edit that changes nothing keeps the version and writes no audit row.
    const same = await reader.nodes.update.mutate({
      id: node.id,
      expectedVersion: 1,
      operationId: op(),
      title: 'Bücherschrank',
    });
    expect(same.version).toBe(1);
    expect((await auditOf(node.id)).length).toBe(1);
  });
});

describe('nodes.remove', () => {
  test('leaves a tombstone with an audit row and node.removed; it cannot be edited or removed again; a repeat answers the same', async () => {
    const node = await createAs(reader, 'Kleidertausch');
    const input = { id: node.id, expectedVersion: 1, operationId: op() };
    const removed = await reader.nodes.remove.mutate(input);
    expect(removed).toMatchObject({ id: node.id, version: 2, lat: node.lat, lon: node.lon });
    expect(await reader.nodes.remove.mutate(input)).toEqual(removed);

    const [row] = await h.sql`SELECT title, version, removed_at FROM nodes WHERE id = ${node.id}`;
    expect(row!.title).toBe('Kleidertausch');
    expect(row!.removed_at).toBeInstanceOf(Date);
    const audit = await auditOf(node.id);
    expect(audit.map((a) => a.action)).toEqual(['node.create', 'node.remove']);
    expect(audit[1]!.changes).toMatchObject({
      removed: { old: false, new: true },
      version: { old: 1, new: 2 },
    });
    const events = await outboxOf(node.id, 'gewebe.node.removed');
    expect(events.length).toBe(1);
    expect(events[0]!.envelope.data).toEqual({
      id: node.id,
      location: { lat: node.lat, lon: node.lon },
      version: 2,
    });

    const edit = await failureOf(
      admin.nodes.update.mutate({ id: node.id, expectedVersion: 2, operationId: op(), title: 'x' }),
    );
    expect(edit.data).toMatchObject({ code: 'NOT_FOUND', domainCode: 'NODE_REMOVED' });
    const twice = await failureOf(
      reader.nodes.remove.mutate({ id: node.id, expectedVersion: 2, operationId: op() }),
    );
    expect(twice.data.domainCode).toBe('NODE_REMOVED');
    const hide = await failureOf(admin.nodes.hide.mutate({ id: node.id, hidden: true }));
    expect(hide.data.domainCode).toBe('NODE_REMOVED');
  });

  test('a removed node no longer counts against the creator’s quota', async () => {
    const node = await createAs(reader, 'Zählt nicht mehr');
    const live = async () =>
      (
        await h.sql`SELECT count(*)::int AS n FROM nodes WHERE created_by = ${node.createdBy} AND removed_at IS NULL`
      )[0]!.n as number;
    const before = await live();
    await reader.nodes.remove.mutate({ id: node.id, expectedVersion: 1, operationId: op() });
    expect(await live()).toBe(before - 1);
  });
});

describe('nodes.hide', () => {
  test('only an admin hides; a hidden node is out of reach for others but not for its creator; showing it again works', async () => {
    const node = await createAs(reader, 'Streitfall');
    for (const client of [reader, weaver]) {
      const refused = await failureOf(client.nodes.hide.mutate({ id: node.id, hidden: true }));
      expect(refused.data).toMatchObject({ code: 'FORBIDDEN', domainCode: 'ROLE_REQUIRED' });
      expect(refused.message).toContain('Admin');
    }
    const hidden = await admin.nodes.hide.mutate({ id: node.id, hidden: true });
    expect(hidden.hiddenAt).toBeString();
    expect(hidden.version).toBe(2);
    // Hiding again changes nothing.
    expect((await admin.nodes.hide.mutate({ id: node.id, hidden: true })).version).toBe(2);

    const byWeaver = await failureOf(
      weaver.nodes.update.mutate({
        id: node.id,
        expectedVersion: 2,
        operationId: op(),
        title: 'x',
      }),
    );
    expect(byWeaver.data).toMatchObject({ code: 'NOT_FOUND', domainCode: 'NODE_NOT_FOUND' });
    const byCreator = await reader.nodes.update.mutate({
      id: node.id,
      expectedVersion: 2,
      operationId: op(),
      title: 'Streitfall (entschärft)',
    });
    expect(byCreator.version).toBe(3);

    const shown = await admin.nodes.hide.mutate({ id: node.id, hidden: false });
    expect(shown).toMatchObject({ hiddenAt: null, version: 4 });
    expect((await auditOf(node.id)).map((a) => a.action)).toEqual([
      'node.create',
      'node.hide',
      'node.update',
      'node.unhide',
    ]);
    const events = await outboxOf(node.id, 'gewebe.node.updated');
    expect(events.map((e) => e.envelope.data.changed)).toEqual([['hidden'], ['title'], ['hidden']]);
  });
});
