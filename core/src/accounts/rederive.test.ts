// Migration 0011 on production-like data: accounts placed under the old rule (off-ladder radii,
// a drawn radius_point) are migrated to the ladder and given a secret, and the core's start step
// re-derives each radius account's public point exactly once, with one account.located each.
import { afterAll, expect, test } from 'bun:test';
import { createPool } from '@weltgewebe/db/client';
import { migrate } from '@weltgewebe/db/migrate';
import { createLogger } from '@weltgewebe/kit';
import postgres from 'postgres';
import { testServices } from '../../../infra/src/testing/index.ts';
import { derivePublicPoint } from './public-point.ts';
import { rederiveMarkedPoints } from './rederive.ts';

const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

const BEFORE = '0011_thread_lines.sql';

test('old radius accounts move to the ladder and get a derived point, once', async () => {
  const { pg } = await testServices();
  const name = `rederive_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(pg.url('postgres'), { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  cleanup.push(async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });
  await migrate(pg.url(name), { upTo: BEFORE });
  const owner = postgres(pg.url(name), { max: 1, onnotice: () => {} });
  cleanup.push(() => owner.end());

  // Under the old schema: radius accounts with radii the old slider allowed, an exact one,
  // a hidden one that kept its location.
  const old = [
    { subject: 'r-120', state: 'radius', radius: 120, lat: 53.55, lon: 9.99 },
    { subject: 'r-250', state: 'radius', radius: 250, lat: 48.14, lon: 11.58 },
    { subject: 'r-4999', state: 'radius', radius: 4999, lat: -33.9, lon: 151.2 },
    { subject: 'r-51', state: 'radius', radius: 51, lat: 84.99, lon: 179.9999 },
    { subject: 'exact', state: 'exact', radius: null, lat: 52.52, lon: 13.4 },
    { subject: 'hidden', state: 'not_on_map', radius: null, lat: 50.1, lon: 8.6 },
  ] as const;
  for (const a of old) {
    const shown = a.state === 'not_on_map' ? null : { lat: a.lat + 0.001, lon: a.lon - 0.0001 };
    const [row] = await owner`
      INSERT INTO accounts (subject, display_name, map_state, public_point, radius_m)
      VALUES (${a.subject}, ${a.subject}, ${a.state},
              ${shown ? owner`ST_SetSRID(ST_MakePoint(${shown.lon}, ${shown.lat}), 4326)` : null},
              ${a.radius}) RETURNING id`;
    await owner`
      INSERT INTO account_locations (account_id, location, radius_m, radius_point)
      VALUES (${row!.id}, ST_SetSRID(ST_MakePoint(${a.lon}, ${a.lat}), 4326), ${a.radius},
              ${a.radius ? owner`ST_SetSRID(ST_MakePoint(${a.lon}, ${a.lat + 0.001}), 4326)` : null})`;
  }

  // The rule's migration runs next (later ones follow it).
  expect((await migrate(pg.url(name)))[0]).toBe(
    '0012_derived_radius_point_and_private_statistics.sql',
  );

  const migrated = await owner<
    {
      subject: string;
      radius_m: number | null;
      private_radius: number | null;
      secret: Uint8Array;
      rederive: boolean;
    }[]
  >`SELECT a.subject, a.radius_m, l.radius_m AS private_radius, l.secret, l.rederive
    FROM accounts a JOIN account_locations l ON l.account_id = a.id ORDER BY a.subject`;
  const bySubject = new Map(migrated.map((m) => [m.subject, m]));
  // Next larger rung: nobody is shown more precisely than they chose.
  expect(['r-120', 'r-250', 'r-4999', 'r-51'].map((s) => bySubject.get(s)!.radius_m)).toEqual([
    250, 250, 5000, 100,
  ]);
  for (const m of migrated) expect(m.private_radius).toBe(m.radius_m);
  expect(
    migrated
      .filter((m) => m.rederive)
      .map((m) => m.subject)
      .sort(),
  ).toEqual(['r-120', 'r-250', 'r-4999', 'r-51']);
  // A secret of its own per row, 32 bytes, from the strong random source.
  const secrets = new Set(migrated.map((m) => Buffer.from(m.secret).toString('hex')));
  expect(secrets.size).toBe(migrated.length);
  for (const m of migrated) expect(m.secret.length).toBe(32);

  const core = createPool(pg.url(name, 'weltgewebe_core'), { applicationName: 'test', max: 4 });
  cleanup.push(() => core.end());
  const services = {
    sql: core,
    log: createLogger('core', { level: 'error' }),
    now: () => new Date(),
  };
  // Two core instances starting together: each account re-derived by exactly one of them.
  const counts = await Promise.all([
    rederiveMarkedPoints(services),
    rederiveMarkedPoints(services),
  ]);
  expect(counts[0]! + counts[1]!).toBe(4);
  expect(await rederiveMarkedPoints(services)).toBe(0);

  const after = await owner<
    {
      subject: string;
      map_state: string;
      lat: number;
      lon: number;
      plat: number | null;
      plon: number | null;
      radius_m: number | null;
      secret: Uint8Array;
      recent_cells: string[];
      rederive: boolean;
    }[]
  >`SELECT a.subject, a.map_state, ST_Y(l.location) AS lat, ST_X(l.location) AS lon,
      ST_Y(a.public_point) AS plat, ST_X(a.public_point) AS plon, a.radius_m, l.secret,
      l.recent_cells, l.rederive
    FROM accounts a JOIN account_locations l ON l.account_id = a.id ORDER BY a.subject`;
  for (const a of after) {
    expect(a.rederive).toBeFalse();
    if (a.map_state !== 'radius') continue;
    const derived = derivePublicPoint({
      secret: new Uint8Array(a.secret),
      location: { lat: a.lat, lon: a.lon },
      radiusM: a.radius_m!,
      recentCells: [],
    });
    expect({ lat: a.plat, lon: a.plon }).toEqual(derived.point);
    expect(a.recent_cells).toEqual([derived.cell]);
  }
  expect(after.find((a) => a.subject === 'exact')).toMatchObject({ plat: 52.521, plon: 13.3999 });
  expect(after.find((a) => a.subject === 'hidden')).toMatchObject({ plat: null, plon: null });

  const events = await owner<{ data: { publicPoint: unknown; previousPublicPoint: unknown } }[]>`
    SELECT envelope->'data' AS data FROM outbox WHERE subject = 'gewebe.account.located'`;
  expect(events.length).toBe(4);
  const privateValues = new Set<number>(old.flatMap((a) => [a.lat, a.lon]));
  for (const e of events) {
    const numbers = JSON.stringify(e.data).match(/-?\d+\.\d+/g) ?? [];
    expect(numbers.filter((n) => privateValues.has(Number(n)))).toEqual([]);
  }
}, 120_000);
