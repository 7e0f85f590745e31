// The core's input boundary with a real database: text PostgreSQL cannot store (NUL, lone
// surrogates) is VALIDATION_FAILED with its field and nothing is written; absurd nesting is
// refused; and should a value ever pass the schemas and be refused by PostgreSQL itself
// (here: a trigger that decodes bytes that are not UTF-8), the caller gets a 400 without SQL.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { accessTokenFor } from '@weltgewebe/infra/testing';
import postgres from 'postgres';
import { type CoreHarness, startCoreHarness } from './testing/core-harness.ts';

let h: CoreHarness;
let token: string;
let nodeId: string;

beforeAll(async () => {
  h = await startCoreHarness();
  token = await accessTokenFor('weaver');
  const node = await (await h.clientAs('weaver')).nodes.create.mutate({
    operationId: crypto.randomUUID(),
    kind: 'place',
    title: 'Grenze',
    lat: 52.5,
    lon: 13.4,
  });
  nodeId = node.id;
  const owner = postgres(h.db.ownerUrl, { max: 1, onnotice: () => {} });
  await owner.unsafe(`
    CREATE FUNCTION test_refuse_encoding() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.title LIKE 'Bytes%' THEN
        PERFORM convert_from('\\xc328'::bytea, 'UTF8');
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER test_refuse_encoding BEFORE UPDATE ON nodes
      FOR EACH ROW EXECUTE FUNCTION test_refuse_encoding();`);
  await owner.end();
}, 60_000);

afterAll(async () => {
  await h.stop();
});

/** A raw tRPC call with JSON text exactly as given (JSON.stringify cannot write every attack). */
async function post(path: string, json: string) {
  const response = await h.fetchHandler(
    new Request(`http://core.test/trpc/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: json,
    }),
  );
  const body = (await response.json()) as {
    error?: {
      message: string;
      data: { domainCode: string; fieldErrors?: Record<string, string[]> };
    };
  };
  return { status: response.status, error: body.error };
}

const counts = async () => {
  const [row] = await h.sql<{ messages: number; outbox: number }[]>`
    SELECT (SELECT count(*)::int FROM messages) AS messages,
           (SELECT count(*)::int FROM outbox) AS outbox`;
  return row!;
};

describe('the input boundary', () => {
  test('NUL in a message is VALIDATION_FAILED on the field, and nothing is written', async () => {
    const before = await counts();
    const res = await post(
      'messages.post',
      `{"nodeId":"${nodeId}","body":"Hallo\\u0000Welt","idempotencyKey":"${crypto.randomUUID()}"}`,
    );
    expect(res.status).toBe(400);
    expect(res.error?.data.domainCode).toBe('VALIDATION_FAILED');
    expect(res.error?.data.fieldErrors).toEqual({ body: ['Das Zeichen NUL ist nicht erlaubt.'] });
    expect(await counts()).toEqual(before);
  });

  test('a lone surrogate in a message (jsonb of the outbox cannot hold it) is refused', async () => {
    const before = await counts();
    const res = await post(
      'messages.post',
      `{"nodeId":"${nodeId}","body":"Faden \\ud800","idempotencyKey":"${crypto.randomUUID()}"}`,
    );
    expect(res.status).toBe(400);
    expect(Object.keys(res.error?.data.fieldErrors ?? {})).toEqual(['body']);
    expect(await counts()).toEqual(before);
  });

  test('NUL in a weavery name and in a key of the input, beside the other mistakes', async () => {
    const admin = await accessTokenFor('admin');
    const response = await h.fetchHandler(
      new Request('http://core.test/trpc/weaveries.create', {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: '{"name":"Alt\\u0000ona","slug":"altona","area":{"type":"Polygon","coordinates":[]},"x\\u0000":1}',
      }),
    );
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as {
      error: { data: { fieldErrors: Record<string, string[]> } };
    };
    // The unstorable text, and what the schema says about the rest (an empty area), at once.
    expect(error.data.fieldErrors).toMatchObject({
      name: ['Das Zeichen NUL ist nicht erlaubt.'],
      _: ['Das Zeichen NUL ist nicht erlaubt.'],
      'area.coordinates': [expect.any(String)],
    });
  });

  test('nesting 50,000 deep is refused before any schema', async () => {
    const res = await post(
      'nodes.create',
      `{"operationId":"${crypto.randomUUID()}","title":${'['.repeat(50_000)}${']'.repeat(50_000)}}`,
    );
    expect(res.status).toBe(400);
    expect(res.error?.data.domainCode).toBe('VALIDATION_FAILED');
  });

  test('a value PostgreSQL itself refuses as input is a 400 without SQL, logged as a warning', async () => {
    const res = await post(
      'nodes.update',
      JSON.stringify({
        id: nodeId,
        expectedVersion: 1,
        operationId: crypto.randomUUID(),
        title: 'Bytes, die keine sind',
      }),
    );
    expect(res.status).toBe(400);
    expect(res.error?.data.domainCode).toBe('VALIDATION_FAILED');
    expect(res.error?.message).not.toMatch(/UTF8|convert_from|SELECT|UPDATE/i);
    const warning = h.logLines.find((l) => l.includes('input refused by the database'));
    expect(warning).toContain('"sqlState":"22021"');
    expect(warning).toContain('"path":"nodes.update"');
    // The update did not happen.
    const [node] = await h.sql<{ title: string; version: number }[]>`
      SELECT title, version FROM nodes WHERE id = ${nodeId}`;
    expect(node).toEqual({ title: 'Grenze', version: 1 });
  });
});
