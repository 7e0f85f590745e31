// Reads from a real streaming replica (pg_basebackup of the test cluster): a person never reads
// older data than their own last write, on any edge, even while the replica stands still; a
// tile dropped by an event is not rendered stale again from a lagging replica; a replica that
// dies is passed over without an error anyone sees, and used again once it is back.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { accessTokenFor, testServices } from '@weltgewebe/infra/testing';
import postgres from 'postgres';
import { stopPostgresSync } from '../../../infra/src/services/postgres.ts';
import { type ReplicaHandle, startReplica } from '../../../infra/src/services/postgres-replica.ts';
import { type EdgeHarness, startEdgeHarness } from '../testing/edge-harness.ts';
import { eventually, fetchTile, tileOf } from '../tiles/tile-testing.ts';
import { LSN_COOKIE } from './lsn.ts';

let replica: ReplicaHandle;
let h: EdgeHarness;
let token: string;
let replicaAdmin: postgres.Sql;

beforeAll(async () => {
  const { pg, root } = await testServices();
  replica = await startReplica({
    primary: pg,
    dataDir: join(root, 'pg-replica'),
    slot: `edge_test_${process.pid}`,
  });
  process.on('exit', () => stopPostgresSync(replica.dataDir));
  h = await startEdgeHarness({ replicaUrl: (db) => replica.url(db, 'weltgewebe_edge') });
  token = await accessTokenFor('weaver');
  replicaAdmin = postgres(replica.url('postgres'), { max: 1, onnotice: () => {} });
  // The test's database was created after the copy: wait until the replica has it.
  await eventually(
    async () => {
      const probe = postgres(replica.url(h.core.db.name, 'weltgewebe_edge'), { max: 1 });
      try {
        await probe`SELECT 1 FROM nodes LIMIT 1`;
        return true;
      } catch {
        return false;
      } finally {
        await probe.end();
      }
    },
    (ok) => ok,
    30_000,
  );
}, 180_000);

afterAll(async () => {
  if (replicaAdmin) {
    await replicaAdmin`SELECT pg_wal_replay_resume()`.catch(() => {});
    await replicaAdmin.end();
  }
  await h?.stop();
  await replica?.stop();
  const { pg } = await testServices();
  const admin = postgres(pg.url('postgres'), { max: 1, onnotice: () => {} });
  await admin`SELECT pg_drop_replication_slot(${`edge_test_${process.pid}`})`.catch(() => {});
  await admin.end();
}, 60_000);

const pauseReplay = () => replicaAdmin`SELECT pg_wal_replay_pause()`;
const resumeReplay = () => replicaAdmin`SELECT pg_wal_replay_resume()`;

async function createNode(title: string, at = { lat: 50.94, lon: 6.96 }) {
  const res = await h.request('/trpc/nodes.create', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ operationId: crypto.randomUUID(), kind: 'place', title, ...at }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { result: { data: { id: string } } };
  return { id: body.result.data.id, cookie: res.headers.get('set-cookie') };
}

const byId = (id: string, cookie?: string) =>
  h.request(`/trpc/nodes.byId?input=${encodeURIComponent(JSON.stringify({ id }))}`, {
    headers: cookie ? { cookie } : {},
  });

async function replicaUp(): Promise<string | undefined> {
  const text = await (await h.request('/metrics')).text();
  return /weltgewebe_edge_replica_up\{[^}]*\} (\d)/.exec(text)?.[1];
}

async function readsFrom(pool: 'primary' | 'replica'): Promise<number> {
  const text = await (await h.request('/metrics')).text();
  const m = new RegExp(`weltgewebe_edge_reads_total\\{[^}]*pool="${pool}"[^}]*\\} (\\d+)`).exec(
    text,
  );
  return m ? Number(m[1]) : 0;
}

describe('read-your-writes across the replica', () => {
  test('a command sets the caller’s LSN cookie; with it the write is read even while replay stands still', async () => {
    await pauseReplay();
    try {
      const node = await createNode('Kölner Tauschregal');
      expect(node.cookie).toContain(`${LSN_COOKIE}=`);
      expect(node.cookie).toContain('HttpOnly');
      const cookie = node.cookie!.split(';')[0]!;

      // Someone else (no cookie) is answered by the replica, which has not replayed it yet.
      expect((await byId(node.id)).status).toBe(404);
      // The writer is answered by the primary after a short wait for the replica.
      const before = await readsFrom('primary');
      const own = await byId(node.id, cookie);
      expect(own.status).toBe(200);
      expect(
        ((await own.json()) as { result: { data: { title: string } } }).result.data.title,
      ).toBe('Kölner Tauschregal');
      expect(await readsFrom('primary')).toBeGreaterThan(before);

      // A second edge instance (as behind Caddy) honours the same cookie.
      const other = await h.startInstance();
      const there = await other.request(
        `/trpc/nodes.byId?input=${encodeURIComponent(JSON.stringify({ id: node.id }))}`,
        { headers: { cookie } },
      );
      expect(there.status).toBe(200);
    } finally {
      await resumeReplay();
    }
  });

  test('once the replica has caught up, the writer reads from it again', async () => {
    const node = await createNode('Repair-Café Ehrenfeld');
    const cookie = node.cookie!.split(';')[0]!;
    const before = await readsFrom('replica');
    const res = await eventually(
      () => byId(node.id, cookie),
      (r) => r.status === 200,
      10_000,
    );
    expect(res.status).toBe(200);
    expect(await readsFrom('replica')).toBeGreaterThan(before);
  });

  test('a made-up LSN far ahead of the primary is ignored, not waited for', async () => {
    const node = await createNode('Bücherschrank');
    await eventually(
      () => byId(node.id),
      (r) => r.status === 200,
      10_000,
    );
    const before = await readsFrom('replica');
    const res = await byId(node.id, `${LSN_COOKIE}=FFFFFFF/FFFFFFFF`);
    expect(res.status).toBe(200);
    expect(await readsFrom('replica')).toBe(before + 1);
  });
});

describe('tiles with a lagging replica', () => {
  test('a tile dropped by an event is rendered from a source that holds the change', async () => {
    const at = { lat: 50.95, lon: 6.97 };
    const tile = tileOf(at, 14);
    // Cached before the change.
    const empty = await fetchTile(h.request, 'nodes', tile);
    await pauseReplay();
    try {
      // Written by someone through another edge: this edge hears of it only by the event.
      const weaver = h.core.clientFor(token);
      await h.core.relay.start();
      const node = await weaver.nodes.create.mutate({
        operationId: crypto.randomUUID(),
        kind: 'place',
        title: 'Gemeinschaftsgarten',
        ...at,
      });
      const seen = await eventually(
        () => fetchTile(h.request, 'nodes', tile),
        (t) => t.features.some((f) => f.properties.id === node.id),
        10_000,
      );
      expect(empty.features.some((f) => f.properties.id === node.id)).toBe(false);
      expect(seen.features.some((f) => f.properties.id === node.id)).toBe(true);
    } finally {
      await resumeReplay();
      await h.core.relay.stop();
    }
  });
});

describe('a replica that dies', () => {
  test('reads go on from the primary without an error, and return to the replica when it is back', async () => {
    const node = await createNode('Lastenrad');
    await eventually(
      () => byId(node.id),
      (r) => r.status === 200,
      10_000,
    );
    await replica.kill();
    try {
      for (let i = 0; i < 5; i++) expect((await byId(node.id)).status).toBe(200);
      expect(await replicaUp()).toBe('0');
    } finally {
      await replica.restart();
    }
    expect(await eventually(replicaUp, (up) => up === '1', 20_000)).toBe('1');
    const before = await readsFrom('replica');
    expect((await byId(node.id)).status).toBe(200);
    expect(await readsFrom('replica')).toBe(before + 1);
  }, 90_000);
});
