// thread-expiry against real PostgreSQL + NATS: due threads expire once (even with two
// sweepers at once), thread.expired reaches the stream once per thread, and an expired
// thread is never renewed: spinning again starts a new one.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createLogger } from '@weltgewebe/kit';
import { cellsOf } from '../geo/h3-cells.ts';
import { type CoreHarness, startCoreHarness } from '../testing/core-harness.ts';
import { spinThread } from '../threads/spin.ts';
import { expireDueThreads, ThreadExpirySweeper } from './thread-expiry.ts';
import { outboxPublished, purgeStream } from './worker-testing.ts';

let h: CoreHarness;
beforeAll(async () => {
  h = await startCoreHarness();
  await purgeStream(h.nc);
  await h.relay.start();
});
afterAll(async () => {
  await h.stop();
});

const HOUR = 3_600_000;
const log = createLogger('thread-expiry', { sink: () => {} });

/** Nodes with a knotting thread spun `ageHours` ago, written straight to the tables. */
async function threadsSpunAgo(accountId: string, count: number, ageHours: number) {
  const spunAt = new Date(Date.now() - ageHours * HOUR);
  const expiresAt = new Date(spunAt.getTime() + 168 * HOUR);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const lat = 50 + i * 0.01;
    const c = cellsOf(lat, 8);
    const [node] = await h.sql<{ id: string }[]>`
      INSERT INTO nodes (kind, title, location, h3_r3, h3_r5, h3_r7, h3_r9, created_by)
      VALUES ('place', ${`Alt ${i}`}, ST_SetSRID(ST_MakePoint(8, ${lat}), 4326), ${String(c.r3)},
              ${String(c.r5)}, ${String(c.r7)}, ${String(c.r9)}, ${accountId})
      RETURNING id`;
    const [t] = await h.sql<{ id: string }[]>`
      INSERT INTO threads (account_id, node_id, kind, spun_at, expires_at)
      VALUES (${accountId}, ${node!.id}, 'knotting', ${spunAt}, ${expiresAt}) RETURNING id`;
    ids.push(t!.id);
  }
  return ids;
}

describe('thread-expiry', () => {
  test('two sweepers at once expire every due thread once and emit thread.expired once each', async () => {
    const weaver = await h.clientAs('weaver');
    const fresh = await weaver.nodes.create.mutate({
      operationId: crypto.randomUUID(),
      kind: 'place',
      title: 'Frisch',
      lat: 53.55,
      lon: 9.99,
    });
    const [account] = await h.sql<
      { id: string }[]
    >`SELECT id FROM accounts WHERE subject = 'demo-weaver'`;
    const due = await threadsSpunAgo(account!.id, 41, 169);

    const now = new Date();
    const sweepers = [1, 2].map(
      () => new ThreadExpirySweeper({ sql: h.sql, log, now: () => now, batchSize: 7 }),
    );
    const counts = await Promise.all(sweepers.map((s) => s.sweep()));
    expect(counts[0]! + counts[1]!).toBe(41);
    expect(await expireDueThreads(h.sql, now)).toBe(0);

    const expired = await h.sql<{ id: string; expired_at: Date; expires_at: Date }[]>`
      SELECT id, expired_at, expires_at FROM threads WHERE expired_at IS NOT NULL`;
    expect(expired.map((t) => t.id).sort()).toEqual([...due].sort());
    for (const t of expired) expect(t.expired_at.getTime()).toBe(t.expires_at.getTime());
    const [live] = await h.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM threads WHERE node_id = ${fresh.id} AND expired_at IS NULL`;
    expect(live!.n).toBe(1);

    await outboxPublished(h.sql);
    const events = await h.streamEvents('gewebe.thread.expired');
    const perThread = new Map<string, number>();
    for (const e of events) {
      const id = (e.data as { threadId: string }).threadId;
      perThread.set(id, (perThread.get(id) ?? 0) + 1);
    }
    expect([...perThread.keys()].sort()).toEqual([...due].sort());
    expect([...perThread.values()].every((n) => n === 1)).toBe(true);
    expect(events[0]!.data).toMatchObject({ kind: 'knotting', accountId: account!.id });
  });

  test('with the clock a week on, a thread expires; spinning again starts a new thread instead of renewing', async () => {
    const reader = await h.clientAs('reader');
    const node = await reader.nodes.create.mutate({
      operationId: crypto.randomUUID(),
      kind: 'resource',
      title: 'Lastenrad',
      lat: 52.52,
      lon: 13.4,
    });
    const [old] = await h.sql<{ id: string; account_id: string }[]>`
      SELECT id, account_id FROM threads WHERE node_id = ${node.id} AND expired_at IS NULL`;

    const weekLater = new Date(Date.now() + 168 * HOUR + 60_000);
    const sweeper = new ThreadExpirySweeper({ sql: h.sql, log, now: () => weekLater });
    expect(await sweeper.sweep()).toBeGreaterThanOrEqual(1);
    const [after] = await h.sql<{ expired_at: Date | null }[]>`
      SELECT expired_at FROM threads WHERE id = ${old!.id}`;
    expect(after!.expired_at).not.toBeNull();

    const spin = await h.sql.begin((tx) =>
      spinThread(tx, {
        accountId: old!.account_id,
        nodeId: node.id,
        kind: 'knotting',
        now: weekLater,
        from: null,
        to: { lat: 52.52, lon: 13.4 },
      }),
    );
    expect(spin.renewed).toBe(false);
    expect(spin.threadId).not.toBe(old!.id);
    const kinds = await h.sql<{ type: string }[]>`
      SELECT envelope->>'type' AS type FROM outbox WHERE envelope->'data'->>'threadId' = ${spin.threadId}`;
    expect(kinds.map((k) => k.type)).toEqual(['thread.spun']);
    const expiredEvents = await h.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM outbox
       WHERE envelope->>'type' = 'thread.expired' AND envelope->'data'->>'threadId' = ${old!.id}`;
    expect(expiredEvents[0]!.n).toBe(1);
  });

  test('a thread overdue but not yet swept, spun again, is announced as expired once and replaced', async () => {
    const reader = await h.clientAs('reader');
    const node = await reader.nodes.create.mutate({
      operationId: crypto.randomUUID(),
      kind: 'place',
      title: 'Tauschregal',
      lat: 52.5,
      lon: 13.41,
    });
    const [old] = await h.sql<{ id: string; account_id: string }[]>`
      UPDATE threads SET spun_at = now() - interval '169 hours', expires_at = now() - interval '1 hour'
       WHERE node_id = ${node.id} RETURNING id, account_id`;
    const now = new Date();
    const spin = await h.sql.begin((tx) =>
      spinThread(tx, {
        accountId: old!.account_id,
        nodeId: node.id,
        kind: 'knotting',
        now,
        from: null,
        to: { lat: 52.5, lon: 13.41 },
      }),
    );
    expect(spin.renewed).toBe(false);
    expect(await expireDueThreads(h.sql, now)).toBe(0);
    const events = await h.sql<{ type: string; thread: string }[]>`
      SELECT envelope->>'type' AS type, envelope->'data'->>'threadId' AS thread FROM outbox
       WHERE envelope->'data'->>'nodeId' = ${node.id} AND envelope->>'type' LIKE 'thread.%'
       ORDER BY seq`;
    expect([...events]).toEqual([
      { type: 'thread.spun', thread: old!.id },
      { type: 'thread.expired', thread: old!.id },
      { type: 'thread.spun', thread: spin.threadId },
    ]);
  });
});
