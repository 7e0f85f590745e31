// A command's answer names a WAL position at or past its commit (x-commit-lsn), so an edge can
// tell whether a replica already holds it; reads carry none.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { accessTokenFor } from '@weltgewebe/infra/testing';
import { COMMIT_LSN_HEADER } from './commit-lsn.ts';
import { type CoreHarness, startCoreHarness } from './testing/core-harness.ts';

let h: CoreHarness;
beforeAll(async () => {
  h = await startCoreHarness();
});
afterAll(async () => {
  await h.stop();
});

test('a command answers with an LSN the commit lies before; a read answers without', async () => {
  const token = await accessTokenFor('weaver');
  const before = (
    await h.sql<{ lsn: string }[]>`SELECT pg_current_wal_insert_lsn()::text AS lsn`
  )[0]!.lsn;
  const res = await h.fetchHandler(
    new Request('http://core.test/trpc/nodes.create', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        operationId: crypto.randomUUID(),
        kind: 'place',
        title: 'Lastenrad-Verleih',
        lat: 53.55,
        lon: 9.99,
      }),
    }),
  );
  expect(res.status).toBe(200);
  const lsn = res.headers.get(COMMIT_LSN_HEADER);
  expect(lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
  // The command wrote WAL: its position lies past the one before it.
  const [diff] = await h.sql<{ bytes: string }[]>`
    SELECT pg_wal_lsn_diff(${lsn}::pg_lsn, ${before}::pg_lsn)::text AS bytes`;
  expect(Number(diff!.bytes)).toBeGreaterThan(0);

  const read = await h.fetchHandler(
    new Request('http://core.test/trpc/accounts.me', {
      headers: { authorization: `Bearer ${token}` },
    }),
  );
  expect(read.headers.get(COMMIT_LSN_HEADER)).toBeNull();
});
