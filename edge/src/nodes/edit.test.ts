// Editing, removing and hiding nodes through the edge: forwarded to the core, and what a person
// sees right after — tiles (decoded), lists and the detail read — plus scrubbed internal errors.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { gunzipSync } from 'node:zlib';
import { accessTokenFor } from '@weltgewebe/infra/testing';
import postgres from 'postgres';
import { failureOf } from '../../../core/src/testing/failure-of.ts';
import { decodeTile } from '../testing/decode-mvt.ts';
import { type EdgeHarness, startEdgeHarness } from '../testing/edge-harness.ts';
import { tileFraction } from '../tiles/tile-math.ts';

let h: EdgeHarness;
type Client = ReturnType<EdgeHarness['client']>;
let reader: Client;
let weaver: Client;
let admin: Client;

beforeAll(async () => {
  // No relay yet: until the NATS test below, only this instance's own drop keeps tiles fresh.
  h = await startEdgeHarness();
  const [r, w, a] = await Promise.all([
    accessTokenFor('reader'),
    accessTokenFor('weaver'),
    accessTokenFor('admin'),
  ]);
  reader = h.client(r);
  weaver = h.client(w);
  admin = h.client(a);
}, 60_000);
afterAll(async () => {
  await h.stop();
});

const op = () => crypto.randomUUID();

async function tileIds(request: EdgeHarness['request'], p: { lat: number; lon: number }, z = 14) {
  const { fx, fy } = tileFraction(p.lat, p.lon, z);
  const [x, y] = [Math.floor(fx), Math.floor(fy)];
  const res = await request(`/tiles/nodes/${z}/${x}/${y}.mvt`, {
    headers: { 'accept-encoding': 'gzip' },
  });
  expect(res.status).toBe(200);
  const body = new Uint8Array(await res.arrayBuffer());
  const raw = res.headers.get('content-encoding') === 'gzip' ? gunzipSync(body) : body;
  return decodeTile(raw, z, x, y).map((f) => f.properties.id as string);
}

const boxAround = (p: { lat: number; lon: number }) => ({
  west: p.lon - 0.01,
  south: p.lat - 0.01,
  east: p.lon + 0.01,
  north: p.lat + 0.01,
});

describe('nodes through the edge', () => {
  test('a moved node leaves the old tile and appears in the new one at once', async () => {
    const from = { lat: 51.3397, lon: 12.3731 }; // Leipzig
    const to = { lat: 51.05, lon: 13.7373 }; // Dresden
    const node = await reader.nodes.create.mutate({
      operationId: op(),
      kind: 'place',
      title: 'Wandernder Bücherschrank',
      ...from,
    });
    expect(await tileIds(h.request, from)).toContain(node.id);
    expect(await tileIds(h.request, to)).not.toContain(node.id); // cached without it
    const moved = await reader.nodes.update.mutate({
      id: node.id,
      expectedVersion: node.version,
      operationId: op(),
      ...to,
    });
    expect(moved.version).toBe(2);
    expect(await tileIds(h.request, from)).not.toContain(node.id);
    expect(await tileIds(h.request, to)).toContain(node.id);
  });

  test('a removed node is gone from nodes.inBBox, the nodes tile and byId at once', async () => {
    const spot = { lat: 49.4521, lon: 11.0767 }; // Nürnberg
    const node = await weaver.nodes.create.mutate({
      operationId: op(),
      kind: 'resource',
      title: 'Lastenrad zum Leihen',
      ...spot,
    });
    const anonymous = h.client(null);
    expect((await anonymous.nodes.inBBox.query(boxAround(spot))).items.map((n) => n.id)).toContain(
      node.id,
    );
    expect(await tileIds(h.request, spot)).toContain(node.id); // now cached with it
    // z9: the first zoom of points (z0–8 draw clusters from the H3 rollups).
    expect(await tileIds(h.request, spot, 9)).toContain(node.id);

    const removed = await admin.nodes.remove.mutate({
      id: node.id,
      expectedVersion: 1,
      operationId: op(),
    });
    expect(removed).toMatchObject({ id: node.id, version: 2 });
    expect(
      (await anonymous.nodes.inBBox.query(boxAround(spot))).items.map((n) => n.id),
    ).not.toContain(node.id);
    expect(await tileIds(h.request, spot)).not.toContain(node.id);
    expect(await tileIds(h.request, spot, 9)).not.toContain(node.id);
    const gone = await failureOf(anonymous.nodes.byId.query({ id: node.id }));
    expect(gone.data).toMatchObject({ code: 'NOT_FOUND', domainCode: 'NODE_REMOVED' });
  });

  test('byId reads the node with body and live threads; hidden nodes leave tiles and byId', async () => {
    const spot = { lat: 50.1109, lon: 8.6821 }; // Frankfurt
    const node = await reader.nodes.create.mutate({
      operationId: op(),
      kind: 'project',
      title: 'Solidarische Landwirtschaft',
      body: '## Mitmachen\n\nJeden Samstag.',
      topics: ['food'],
      ...spot,
    });
    const detail = await h.client(null).nodes.byId.query({ id: node.id });
    expect(detail).toMatchObject({
      id: node.id,
      title: 'Solidarische Landwirtschaft',
      body: '## Mitmachen\n\nJeden Samstag.',
      createdBy: node.createdBy,
      liveThreads: 1, // the knotting thread of its creator
      version: 1,
    });
    const unknown = await failureOf(h.client(null).nodes.byId.query({ id: crypto.randomUUID() }));
    expect(unknown.data.domainCode).toBe('NODE_NOT_FOUND');

    expect(await tileIds(h.request, spot)).toContain(node.id);
    const refused = await failureOf(weaver.nodes.hide.mutate({ id: node.id, hidden: true }));
    expect(refused.data).toMatchObject({ code: 'FORBIDDEN', domainCode: 'ROLE_REQUIRED' });
    const hidden = await admin.nodes.hide.mutate({ id: node.id, hidden: true });
    expect(hidden.hiddenAt).toBeString();
    expect(await tileIds(h.request, spot)).not.toContain(node.id);
    expect(
      (await failureOf(h.client(null).nodes.byId.query({ id: node.id }))).data.domainCode,
    ).toBe('NODE_NOT_FOUND');
    await admin.nodes.hide.mutate({ id: node.id, hidden: false });
    expect(await tileIds(h.request, spot)).toContain(node.id);
  });

  test('core refusals keep their codes through the edge: stale version with the current node, not yours', async () => {
    const node = await weaver.nodes.create.mutate({
      operationId: op(),
      kind: 'place',
      title: 'Werkstatt',
      lat: 52.3759,
      lon: 9.732,
    });
    const current = await weaver.nodes.update.mutate({
      id: node.id,
      expectedVersion: 1,
      operationId: op(),
      summary: 'Offen für alle',
    });
    const stale = await failureOf(
      admin.nodes.update.mutate({ id: node.id, expectedVersion: 1, operationId: op(), title: 'x' }),
    );
    expect(stale.data).toMatchObject({
      code: 'CONFLICT',
      domainCode: 'NODE_VERSION_CONFLICT',
      details: { current },
    });
    const notYours = await failureOf(
      reader.nodes.remove.mutate({ id: node.id, expectedVersion: 2, operationId: op() }),
    );
    expect(notYours.data).toMatchObject({ code: 'FORBIDDEN', domainCode: 'NODE_NOT_YOURS' });
    expect(notYours.message).toContain('Rolle Weber');
    const anonymous = await failureOf(
      h.client(null).nodes.remove.mutate({ id: node.id, expectedVersion: 2, operationId: op() }),
    );
    expect(anonymous.data.code).toBe('UNAUTHORIZED');
  });
  test('another edge instance drops the removed node when the event arrives', async () => {
    await h.core.relay.start();
    const other = await h.startInstance();
    const spot = { lat: 48.7758, lon: 9.1829 }; // Stuttgart
    const node = await reader.nodes.create.mutate({
      operationId: op(),
      kind: 'place',
      title: 'Gemeinschaftsgarten',
      ...spot,
    });
    const deadline = Date.now() + 10_000;
    while (!(await tileIds(other.request, spot)).includes(node.id) && Date.now() < deadline)
      await Bun.sleep(100);
    expect(await tileIds(other.request, spot)).toContain(node.id); // cached with it
    await reader.nodes.remove.mutate({ id: node.id, expectedVersion: 1, operationId: op() });
    let ids = await tileIds(other.request, spot);
    while (ids.includes(node.id) && Date.now() < deadline + 5_000) {
      await Bun.sleep(100);
      ids = await tileIds(other.request, spot);
    }
    expect(ids).not.toContain(node.id);
  });
});

describe('internal errors through the edge', () => {
  test('a database error in the core reaches the caller as "Interner Fehler (Anfrage <id>)" only', async () => {
    // A deliberately broken write path in this test's own database (see the core's twin test).
    const owner = postgres(h.core.db.ownerUrl, { max: 1, onnotice: () => {} });
    await owner.unsafe(`
      CREATE FUNCTION test_break_nodes() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.title LIKE 'Kaputt%' THEN
          RAISE EXCEPTION 'UPDATE nodes SET title = % failed', quote_literal(NEW.title);
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER test_break_nodes BEFORE UPDATE ON nodes
        FOR EACH ROW EXECUTE FUNCTION test_break_nodes();`);
    await owner.end();
    const node = await weaver.nodes.create.mutate({
      operationId: op(),
      kind: 'place',
      title: 'Heil',
      lat: 47.999,
      lon: 7.8421,
    });
    const secret = `Kaputt-geheim-${crypto.randomUUID().slice(0, 8)}`;
    const requestId = `edge-${crypto.randomUUID()}`;
    const response = await h.request('/trpc/nodes.update', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await accessTokenFor('weaver')}`,
        'content-type': 'application/json',
        'x-request-id': requestId,
      },
      body: JSON.stringify({ id: node.id, expectedVersion: 1, operationId: op(), title: secret }),
    });
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
    for (const leak of [secret, 'UPDATE', 'nodes SET', 'stack', 'PostgresError', '.ts:']) {
      expect(text).not.toContain(leak);
    }
    // The core logged the details under the same id the person sees.
    const logged = h.core.logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.level === 'error' && l.request_id === requestId);
    expect(JSON.stringify(logged)).toContain(secret);
  });
});
