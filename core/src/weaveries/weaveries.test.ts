// weaveries.* inside the core: admin only, valid areas of bounded size that never overlap
// (also under concurrency), the H3 cover, versions, events and the k ≥ 5 stats rule.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createLogger } from '@weltgewebe/kit';
import { latLngToCell } from 'h3-js';
import postgres from 'postgres';
import { coreRouter } from '../router.ts';
import { type CoreHarness, startCoreHarness } from '../testing/core-harness.ts';
import { failureOf } from '../testing/failure-of.ts';
import { createCallerFactory } from '../trpc.ts';

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

type Ring = [number, number][];
const square = (lon: number, lat: number, d: number): Ring => [
  [lon, lat],
  [lon + d, lat],
  [lon + d, lat + d],
  [lon, lat + d],
  [lon, lat],
];
const polygon = (...rings: Ring[]) => ({ type: 'Polygon' as const, coordinates: rings });
/** A closed ring of `positions` points (the last repeats the first) around a centre. */
const circle = (lon: number, lat: number, r: number, positions: number): Ring => {
  const ring: Ring = [];
  for (let i = 0; i < positions - 1; i++) {
    const a = (2 * Math.PI * i) / (positions - 1);
    ring.push([lon + r * Math.cos(a), lat + r * Math.sin(a)]);
  }
  ring.push(ring[0]!);
  return ring;
};

const cellsOfWeavery = async (id: string) =>
  (
    await h.sql<
      { cell: string }[]
    >`SELECT cell::text AS cell FROM weavery_cells WHERE weavery_id = ${id}`
  ).map((r) => BigInt(r.cell));
const cell7 = (lon: number, lat: number) => BigInt(`0x${latLngToCell(lat, lon, 7)}`);

describe('weaveries.create', () => {
  test('an admin creates one: a MultiPolygon with bbox, its H3 cover, an audit row and weavery.created', async () => {
    const ring = square(10.0, 53.0, 0.2);
    const w = await admin.weaveries.create.mutate({
      name: 'Ortsweberei Heide',
      slug: 'heide',
      area: polygon(ring),
    });
    expect(w).toMatchObject({ name: 'Ortsweberei Heide', slug: 'heide', version: 1 });
    expect(w.area.type).toBe('MultiPolygon');
    expect(w.area.coordinates).toEqual([[ring]]);
    expect(w.bbox).toEqual([10.0, 53.0, 10.2, 53.2]);

    const cells = new Set(await cellsOfWeavery(w.id));
    expect(cells.size).toBeGreaterThan(50);
    for (const [lon, lat] of [...ring, [10.1, 53.1] as [number, number]]) {
      expect(cells.has(cell7(lon, lat))).toBe(true);
    }
    const [audit] = await h.sql`SELECT action FROM audit_log WHERE aggregate_id = ${w.id}`;
    expect(audit!.action).toBe('weavery.create');
    const [event] = await h.sql<{ envelope: { data: unknown } }[]>`
      SELECT envelope FROM outbox WHERE subject = 'gewebe.weavery.created' AND envelope->>'aggregateId' = ${w.id}`;
    expect(event!.envelope.data).toEqual({
      id: w.id,
      slug: 'heide',
      name: 'Ortsweberei Heide',
      bbox: [10.0, 53.0, 10.2, 53.2],
    });
  });

  test('only admins: readers and weavers are told the role they lack', async () => {
    for (const client of [reader, weaver]) {
      const refused = await failureOf(
        client.weaveries.create.mutate({
          name: 'Nicht erlaubt',
          slug: 'nicht-erlaubt',
          area: polygon(square(30, 10, 0.1)),
        }),
      );
      expect(refused.data).toMatchObject({ code: 'FORBIDDEN', domainCode: 'ROLE_REQUIRED' });
      expect(refused.message).toContain('Admin');
    }
    const anonymous = await failureOf(
      h.clientFor(null).weaveries.create.mutate({
        name: 'x',
        slug: 'x',
        area: polygon(square(30, 10, 0.1)),
      }),
    );
    expect(anonymous.data.code).toBe('UNAUTHORIZED');
  });

  test('an overlapping area is refused with the weavery it overlaps; a shared border is fine', async () => {
    const first = await admin.weaveries.create.mutate({
      name: 'Nord',
      slug: 'nord',
      area: polygon(square(11.0, 54.0, 0.1)),
    });
    const overlap = await failureOf(
      admin.weaveries.create.mutate({
        name: 'Nord-Ost',
        slug: 'nord-ost',
        area: polygon(square(11.05, 54.05, 0.1)),
      }),
    );
    expect(overlap.data).toMatchObject({ code: 'CONFLICT', domainCode: 'WEAVERY_OVERLAP' });
    expect(overlap.data.details).toEqual({
      overlapping: [{ id: first.id, slug: 'nord', name: 'Nord' }],
    });
    expect(overlap.data.fieldErrors!.area![0]).toContain('Nord');
    // Wholly inside is an overlap too.
    const inside = await failureOf(
      admin.weaveries.create.mutate({
        name: 'Innen',
        slug: 'innen',
        area: polygon(square(11.02, 54.02, 0.01)),
      }),
    );
    expect(inside.data.domainCode).toBe('WEAVERY_OVERLAP');
    const neighbour = await admin.weaveries.create.mutate({
      name: 'Nachbar',
      slug: 'nachbar',
      area: {
        type: 'MultiPolygon',
        coordinates: [[square(11.1, 54.0, 0.1)], [square(11.0, 53.9, 0.1)]],
      },
    });
    expect(neighbour.area.coordinates.length).toBe(2);
    const [{ n }] =
      (await h.sql`SELECT count(*)::int AS n FROM weaveries WHERE slug IN ('nord-ost', 'innen')`) as unknown as [
        { n: number },
      ];
    expect(n).toBe(0);
  });

  test('two admins create overlapping areas at the same moment: exactly one is stored', async () => {
    // Two distinct admins (commands of one account already queue behind each other on its row),
    // through the real router on an inner context.
    const services = {
      sql: h.sql,
      log: createLogger('core', { sink: () => {} }),
      now: () => new Date(),
    };
    const callerAs = (subject: string) =>
      createCallerFactory(coreRouter)({
        requestId: `req-${subject}`,
        identity: {
          subject,
          name: subject,
          roles: ['reader', 'weaver', 'admin'],
          role: 'admin',
          token: '',
        },
        services,
        log: services.log,
      });
    const side = postgres(h.db.coreUrl, { max: 2, onnotice: () => {} });
    try {
      // Block the cover writes (after the overlap check) until both creates are waiting: without
      // serialisation both would have passed the check by then and both would be stored.
      const { pending } = await side.begin(async (tx) => {
        await tx`LOCK TABLE weavery_cells IN SHARE ROW EXCLUSIVE MODE`;
        const pending = Promise.allSettled(
          ['a', 'b'].map((s, i) =>
            callerAs(`concurrent-admin-${s}`).weaveries.create({
              name: `Gleichzeitig ${s}`,
              slug: `gleichzeitig-${s}`,
              area: polygon(square(12 + i * 0.05, 50, 0.1)),
            }),
          ),
        );
        const deadline = Date.now() + 10_000;
        for (;;) {
          const [{ waiting }] = (await side`SELECT count(*)::int AS waiting FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'core-test'
              AND wait_event_type = 'Lock'`) as unknown as [{ waiting: number }];
          if (waiting >= 2 || Date.now() > deadline) break;
          await Bun.sleep(20);
        }
        return { pending };
      });
      const results = await pending;
      expect(results.filter((r) => r.status === 'fulfilled').length).toBe(1);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(lost.reason).toMatchObject({ domainCode: 'WEAVERY_OVERLAP', code: 'CONFLICT' });
      const [{ n }] =
        (await h.sql`SELECT count(*)::int AS n FROM weaveries WHERE slug LIKE 'gleichzeitig-%'`) as unknown as [
          { n: number },
        ];
      expect(n).toBe(1);
    } finally {
      await side.end();
    }
  });

  test('an invalid polygon is refused with the database’s reason as a field error', async () => {
    const bowTie = await failureOf(
      admin.weaveries.create.mutate({
        name: 'Schleife',
        slug: 'schleife',
        area: polygon([
          [13, 51],
          [13.1, 51.1],
          [13.1, 51],
          [13, 51.1],
          [13, 51],
        ]),
      }),
    );
    expect(bowTie.data).toMatchObject({ code: 'BAD_REQUEST', domainCode: 'VALIDATION_FAILED' });
    expect(Object.keys(bowTie.data.fieldErrors!)).toEqual(['area']);
    expect(bowTie.data.fieldErrors!.area![0]).toContain('Self-intersection');

    const holeOutside = await failureOf(
      admin.weaveries.create.mutate({
        name: 'Loch',
        slug: 'loch',
        area: polygon(square(13, 52, 0.1), square(14, 52, 0.1)),
      }),
    );
    expect(holeOutside.data.fieldErrors!.area![0]).toContain('Ungültige Fläche');

    const open = await failureOf(
      admin.weaveries.create.mutate({
        name: 'Offen',
        slug: 'Offen!',
        area: polygon(
          square(13, 52, 0.1)
            .slice(0, 4)
            .concat([[13.05, 52]]),
        ),
      }),
    );
    expect(Object.keys(open.data.fieldErrors!).sort()).toEqual(['area.coordinates.0', 'slug']);
    expect((await h.sql`SELECT 1 FROM weaveries WHERE slug IN ('schleife', 'loch')`).length).toBe(
      0,
    );
  });

  test('at most 10,000 vertices: 10,000 are stored, 10,001 are refused', async () => {
    const atLimit = await admin.weaveries.create.mutate({
      name: 'Rund',
      slug: 'rund',
      area: polygon(circle(20, 45, 0.05, 10_000)),
    });
    const [{ points }] =
      (await h.sql`SELECT ST_NPoints(area)::int AS points FROM weaveries WHERE id = ${atLimit.id}`) as unknown as [
        { points: number },
      ];
    expect(points).toBe(10_000);
    const over = await failureOf(
      admin.weaveries.create.mutate({
        name: 'Zu rund',
        slug: 'zu-rund',
        area: polygon(circle(21, 45, 0.05, 10_001)),
      }),
    );
    expect(over.data.domainCode).toBe('VALIDATION_FAILED');
    expect(over.data.fieldErrors!.area![0]).toContain('10.000');
  });

  test('an area too large for a local community is refused', async () => {
    const huge = await failureOf(
      admin.weaveries.create.mutate({
        name: 'Kontinent',
        slug: 'kontinent',
        area: polygon(square(-100, 20, 20)),
      }),
    );
    expect(huge.data.fieldErrors!.area![0]).toContain('km²');
  });

  test('an area smaller than one H3 cell still gets the cell it lies in', async () => {
    const tiny = square(9.99, 53.55, 0.0005);
    const w = await admin.weaveries.create.mutate({
      name: 'Hinterhof',
      slug: 'hinterhof',
      area: polygon(tiny),
    });
    const cells = await cellsOfWeavery(w.id);
    expect(cells.length).toBeGreaterThanOrEqual(1);
    expect(cells).toContain(cell7(9.99025, 53.55025));
  });

  test('a taken slug is a CONFLICT on the slug field', async () => {
    await admin.weaveries.create.mutate({
      name: 'Eins',
      slug: 'doppelt',
      area: polygon(square(15, 48, 0.05)),
    });
    const again = await failureOf(
      admin.weaveries.create.mutate({
        name: 'Zwei',
        slug: 'doppelt',
        area: polygon(square(16, 48, 0.05)),
      }),
    );
    expect(again.data).toMatchObject({ code: 'CONFLICT', domainCode: 'WEAVERY_SLUG_TAKEN' });
    expect(Object.keys(again.data.fieldErrors!)).toEqual(['slug']);
  });
});

describe('weaveries.change', () => {
  test('name and area change with a new version, a new cover and weavery.changed; stale versions and overlaps are refused', async () => {
    const w = await admin.weaveries.create.mutate({
      name: 'Alt',
      slug: 'wandel',
      area: polygon(square(5.0, 44.0, 0.1)),
    });
    await admin.weaveries.create.mutate({
      name: 'Daneben',
      slug: 'daneben',
      area: polygon(square(5.2, 44.0, 0.1)),
    });
    const before = new Set(await cellsOfWeavery(w.id));
    // Growing over its own old area is fine.
    const changed = await admin.weaveries.change.mutate({
      id: w.id,
      expectedVersion: 1,
      name: 'Neu',
      area: polygon(square(5.0, 44.0, 0.15)),
    });
    expect(changed).toMatchObject({ name: 'Neu', slug: 'wandel', version: 2 });
    expect(changed.bbox).toEqual([5.0, 44.0, 5.15, 44.15]);
    const after = new Set(await cellsOfWeavery(w.id));
    expect(after.has(cell7(5.14, 44.14))).toBe(true);
    expect(after.size).toBeGreaterThan(before.size);

    const [event] = await h.sql<{ envelope: { data: unknown } }[]>`
      SELECT envelope FROM outbox WHERE subject = 'gewebe.weavery.changed' AND envelope->>'aggregateId' = ${w.id}`;
    expect(event!.envelope.data).toEqual({
      id: w.id,
      slug: 'wandel',
      name: 'Neu',
      bbox: [5.0, 44.0, 5.15, 44.15],
      previousBbox: [5.0, 44.0, 5.1, 44.1],
    });
    const [audit] = await h.sql<{ changes: Record<string, { old: unknown; new: unknown }> }[]>`
      SELECT changes FROM audit_log WHERE aggregate_id = ${w.id} AND action = 'weavery.change'`;
    expect(audit!.changes.name).toEqual({ old: 'Alt', new: 'Neu' });
    expect(audit!.changes.area!.old).toEqual({
      type: 'MultiPolygon',
      coordinates: [[square(5.0, 44.0, 0.1)]],
    });

    const stale = await failureOf(
      admin.weaveries.change.mutate({ id: w.id, expectedVersion: 1, name: 'Veraltet' }),
    );
    expect(stale.data).toMatchObject({ code: 'CONFLICT', domainCode: 'WEAVERY_VERSION_CONFLICT' });
    expect(stale.data.details).toEqual({ current: changed });

    const overlap = await failureOf(
      admin.weaveries.change.mutate({
        id: w.id,
        expectedVersion: 2,
        area: polygon(square(5.0, 44.0, 0.25)),
      }),
    );
    expect(overlap.data.domainCode).toBe('WEAVERY_OVERLAP');
    expect((overlap.data.details as { overlapping: { slug: string }[] }).overlapping).toEqual([
      expect.objectContaining({ slug: 'daneben' }),
    ]);
    const byWeaver = await failureOf(
      weaver.weaveries.change.mutate({ id: w.id, expectedVersion: 2, name: 'x' }),
    );
    expect(byWeaver.data.domainCode).toBe('ROLE_REQUIRED');
    const unknown = await failureOf(
      admin.weaveries.change.mutate({ id: crypto.randomUUID(), expectedVersion: 1, name: 'x' }),
    );
    expect(unknown.data).toMatchObject({ code: 'NOT_FOUND', domainCode: 'WEAVERY_NOT_FOUND' });
  });
});

describe('weaveries.stats', () => {
  const origin = { lon: 7.0, lat: 46.0 };
  let weaveryId: string;

  const addAccountsOnMap = async (count: number, at: { lon: number; lat: number }) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const [row] = await h.sql<{ id: string }[]>`
        INSERT INTO accounts (subject, display_name, map_state, public_point)
        VALUES (${`stats-${crypto.randomUUID()}`}, 'Statistik', 'exact',
          ST_SetSRID(ST_MakePoint(${at.lon + i * 0.001}, ${at.lat}), 4326))
        RETURNING id`;
      ids.push(row!.id);
    }
    return ids;
  };

  test('nodes by kind, accounts on the map (k ≥ 5), live threads and the most active nodes inside', async () => {
    const w = await admin.weaveries.create.mutate({
      name: 'Statistik',
      slug: 'statistik',
      area: polygon(square(origin.lon, origin.lat, 0.1)),
    });
    weaveryId = w.id;
    const anonymous = h.clientFor(null);
    const empty = await anonymous.weaveries.stats.query({ slug: 'statistik' });
    expect(empty).toMatchObject({
      nodes: { total: 0 },
      accountsOnMap: '<5',
      liveThreads: 0,
      mostActiveNodes: [],
    });

    const at = (dx: number) => ({ lon: origin.lon + 0.05 + dx, lat: origin.lat + 0.05 });
    const mk = (kind: 'place' | 'project' | 'event', title: string, p = at(0)) =>
      reader.nodes.create.mutate({
        operationId: crypto.randomUUID(),
        kind,
        title,
        ...p,
        ...(kind === 'event' ? { startsAt: '2026-07-01T18:00:00Z' } : {}),
      });
    const busy = await mk('project', 'Viel los');
    await mk('place', 'Ruhig', at(0.01));
    await mk('event', 'Fest', at(0.02));
    await mk('place', 'Draußen', { lon: origin.lon - 0.5, lat: origin.lat });
    const removed = await mk('place', 'Entfernt', at(0.03));
    await reader.nodes.remove.mutate({
      id: removed.id,
      expectedVersion: 1,
      operationId: crypto.randomUUID(),
    });
    const hidden = await mk('place', 'Versteckt', at(0.04));
    await admin.nodes.hide.mutate({ id: hidden.id, hidden: true });

    const inside = await addAccountsOnMap(4, at(0));
    await addAccountsOnMap(3, { lon: origin.lon - 0.5, lat: origin.lat }); // outside
    await h.sql`INSERT INTO accounts (subject, display_name) VALUES (${`off-${crypto.randomUUID()}`}, 'Nicht auf der Karte')`;
    // Two more live threads to the busy node, one long expired.
    const now = Date.now();
    for (const accountId of inside.slice(0, 2)) {
      await h.sql`INSERT INTO threads (account_id, node_id, kind, spun_at, expires_at)
        VALUES (${accountId}, ${busy.id}, 'participation', ${new Date(now)}, ${new Date(now + 168 * 3_600_000)})`;
    }
    await h.sql`INSERT INTO threads (account_id, node_id, kind, spun_at, expires_at)
      VALUES (${inside[2]!}, ${busy.id}, 'participation', ${new Date(now - 200 * 3_600_000)}, ${new Date(now - 32 * 3_600_000)})`;

    const four = await anonymous.weaveries.stats.query({ id: w.id });
    expect(four.weavery).toEqual({ id: w.id, slug: 'statistik', name: 'Statistik' });
    expect(four.nodes).toEqual({
      total: 3,
      byKind: { place: 1, resource: 0, project: 1, event: 1 },
    });
    expect(four.accountsOnMap).toBe('<5');
    // Knotting threads of the three live nodes inside, plus two participations.
    expect(four.liveThreads).toBe(5);
    expect(four.mostActiveNodes.map((n) => [n.title, n.liveThreads])).toEqual([
      ['Viel los', 3],
      ['Ruhig', 1],
      ['Fest', 1],
    ]);
    expect(JSON.stringify(four)).not.toContain('"accountsOnMap":4');

    await addAccountsOnMap(1, at(0.01));
    const five = await anonymous.weaveries.stats.query({ slug: 'statistik' });
    expect(five.accountsOnMap).toBe(5);
  });

  test('an unknown weavery is NOT_FOUND; id and slug together are a field error', async () => {
    const unknown = await failureOf(
      h.clientFor(null).weaveries.stats.query({ slug: 'gibt-es-nicht' }),
    );
    expect(unknown.data).toMatchObject({ code: 'NOT_FOUND', domainCode: 'WEAVERY_NOT_FOUND' });
    const both = await failureOf(
      h.clientFor(null).weaveries.stats.query({ id: weaveryId, slug: 'statistik' }),
    );
    expect(both.data.domainCode).toBe('VALIDATION_FAILED');
  });
});
