// Drizzle on a postgres.js pool or transaction (drizzleOn): it shares the transaction with the
// hand-written SQL around it, and it leaves how that SQL reads and writes values alone.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { freshDatabase, type TestDatabase } from '../../infra/src/testing/index.ts';
import { createPool, drizzleOn, type Sql } from './client.ts';
import { accounts, auditLog } from './schema/index.ts';

let db: TestDatabase;
let sql: Sql;
let accountId: string;
beforeAll(async () => {
  db = await freshDatabase();
  sql = createPool(db.coreUrl, { applicationName: 'client-test', max: 2 });
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO accounts (subject, display_name) VALUES ('client-test', 'C') RETURNING id`;
  accountId = row!.id;
});
afterAll(async () => {
  await sql.end();
  await db.drop();
});

test('hand-written queries still read Dates and write json after Drizzle ran on the pool', async () => {
  const at = new Date('2026-03-01T12:00:00.123Z');
  await drizzleOn(sql)
    .insert(auditLog)
    .values({
      actorId: accountId,
      action: 'node.update',
      aggregateType: 'node',
      aggregateId: accountId,
      changes: { title: { old: 'a', new: 'b' } },
      requestId: 'drizzle',
      occurredAt: at,
    });
  await sql`INSERT INTO audit_log (action, aggregate_type, aggregate_id, changes, request_id, occurred_at)
    VALUES ('node.remove', 'node', ${accountId}, ${sql.json({ removed: true })}, 'tagged', ${at})`;
  const rows = await sql<
    { request_id: string; changes: unknown; kind: string; occurred_at: Date }[]
  >`
    SELECT request_id, changes, jsonb_typeof(changes) AS kind, occurred_at FROM audit_log
     ORDER BY request_id`;
  expect([...rows]).toEqual([
    {
      request_id: 'drizzle',
      changes: { title: { old: 'a', new: 'b' } },
      kind: 'object',
      occurred_at: at,
    },
    { request_id: 'tagged', changes: { removed: true }, kind: 'object', occurred_at: at },
  ]);
  const [read] = await drizzleOn(sql)
    .select({ changes: auditLog.changes, occurredAt: auditLog.occurredAt })
    .from(auditLog)
    .where(eq(auditLog.requestId, 'tagged'));
  expect(read).toEqual({ changes: { removed: true }, occurredAt: at });
});

test('Drizzle inside sql.begin is part of that transaction', async () => {
  const rename = (name: string) =>
    sql.begin(async (tx) => {
      await drizzleOn(tx)
        .update(accounts)
        .set({ displayName: name })
        .where(eq(accounts.id, accountId));
      const [seen] = await tx<{ display_name: string }[]>`
        SELECT display_name FROM accounts WHERE id = ${accountId}`;
      expect(seen!.display_name).toBe(name);
      if (name === 'Rolled back') throw new Error('abort');
    });
  await rename('Committed');
  await expect(rename('Rolled back')).rejects.toThrow('abort');
  const [row] = await drizzleOn(sql)
    .select({ name: accounts.displayName })
    .from(accounts)
    .where(eq(accounts.id, accountId));
  expect(row!.name).toBe('Committed');
});
