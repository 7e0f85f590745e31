// A real database failure inside a command: the caller sees only "Interner Fehler (Anfrage <id>)"
// and the id; the core's log line for that id holds the details.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { accessTokenFor } from '@weltgewebe/infra/testing';
import postgres from 'postgres';
import { type CoreHarness, startCoreHarness } from '../testing/core-harness.ts';

let h: CoreHarness;
beforeAll(async () => {
  h = await startCoreHarness();
  // A deliberately broken write path: the database refuses titles starting with "Kaputt" with a
  // message that quotes SQL and the parameter, as real constraint and syntax errors do.
  const owner = postgres(h.db.ownerUrl, { max: 1, onnotice: () => {} });
  await owner.unsafe(`
    CREATE FUNCTION test_break_nodes() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.title LIKE 'Kaputt%' THEN
        RAISE EXCEPTION 'UPDATE nodes SET title = % failed', quote_literal(NEW.title)
          USING DETAIL = 'private detail ' || NEW.title;
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER test_break_nodes BEFORE UPDATE ON nodes
      FOR EACH ROW EXECUTE FUNCTION test_break_nodes();`);
  await owner.end();
}, 60_000);
afterAll(async () => {
  await h.stop();
});

test('a database error is INTERNAL_SERVER_ERROR with only the request id; no SQL, values or stack leave the core', async () => {
  const weaver = await h.clientAs('weaver');
  const node = await weaver.nodes.create.mutate({
    operationId: crypto.randomUUID(),
    kind: 'place',
    title: 'Heil',
    lat: 50.94,
    lon: 6.96,
  });
  const secret = `Kaputt-geheim-${crypto.randomUUID().slice(0, 8)}`;
  const requestId = `req-${crypto.randomUUID()}`;
  const response = await h.fetchHandler(
    new Request('http://core.test/trpc/nodes.update', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await accessTokenFor('weaver')}`,
        'content-type': 'application/json',
        'x-request-id': requestId,
      },
      body: JSON.stringify({
        id: node.id,
        expectedVersion: 1,
        operationId: crypto.randomUUID(),
        title: secret,
      }),
    }),
  );
  expect(response.status).toBe(500);
  expect(response.headers.get('x-request-id')).toBe(requestId);
  const text = await response.text();
  const body = JSON.parse(text) as { error: { message: string; data: Record<string, unknown> } };
  expect(body.error.message).toBe(`Interner Fehler (Anfrage ${requestId}).`);
  expect(body.error.data).toEqual({
    code: 'INTERNAL_SERVER_ERROR',
    httpStatus: 500,
    domainCode: 'INTERNAL_SERVER_ERROR',
    requestId,
  });
  for (const leak of [
    secret,
    'UPDATE',
    'nodes SET',
    'private detail',
    'stack',
    'PostgresError',
    '.ts:',
  ]) {
    expect(text).not.toContain(leak);
  }

  // The details are in the core's log, once, under the same request id.
  const logged = h.logLines
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.level === 'error' && l.request_id === requestId);
  expect(logged.length).toBe(1);
  expect(JSON.stringify(logged)).toContain(secret);
  expect(JSON.stringify(logged)).toContain('UPDATE nodes SET title');

  // Nothing was written.
  const [row] = await h.sql`SELECT title, version FROM nodes WHERE id = ${node.id}`;
  expect(row).toEqual({ title: 'Heil', version: 1 });
});
