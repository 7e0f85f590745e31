// accounts.me / setLocation / hide through the core's HTTP path with real tokens:
// the privacy rules of each map state, idempotency, events and refusals.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { TRPCClientError } from '@trpc/client';
import { type CoreHarness, startCoreHarness } from '../testing/core-harness.ts';
import { maxPublicDistanceM } from './public-point.ts';

let h: CoreHarness;
beforeAll(async () => {
  h = await startCoreHarness();
});
afterAll(async () => {
  await h.stop();
});

const home = { lat: 53.561234, lon: 9.961234 };

const metres = async (a: { lat: number; lon: number }, b: { lat: number; lon: number }) =>
  (
    await h.sql<{ d: number }[]>`SELECT ST_Distance(
      ST_SetSRID(ST_MakePoint(${a.lon}, ${a.lat}), 4326)::geography,
      ST_SetSRID(ST_MakePoint(${b.lon}, ${b.lat}), 4326)::geography) AS d`
  )[0]!.d;

const locatedEvents = (accountId: string) =>
  h.sql<{ subject: string; envelope: { version: number; data: Record<string, unknown> } }[]>`
    SELECT subject, envelope FROM outbox
    WHERE subject IN ('gewebe.account.located', 'gewebe.account.hidden')
      AND envelope->>'aggregateId' = ${accountId} ORDER BY seq`;

describe('accounts', () => {
  test('me provisions the Garnrolle once; a new one is not on the map', async () => {
    const weaver = await h.clientAs('weaver');
    const me = await weaver.accounts.me.query();
    expect(me).toMatchObject({
      displayName: 'Wim Weber',
      mapState: 'not_on_map',
      publicPoint: null,
      radiusM: null,
      privateLocation: null,
    });
    expect((await weaver.accounts.me.query()).id).toBe(me.id);
    const registered =
      await h.sql`SELECT 1 FROM outbox WHERE subject = 'gewebe.account.registered' AND envelope->>'aggregateId' = ${me.id}`;
    expect(registered.length).toBe(1);
  });

  test('exact: the public point is the location; the same command twice changes nothing', async () => {
    const reader = await h.clientAs('reader');
    const placed = await reader.accounts.setLocation.mutate({ mapState: 'exact', ...home });
    expect(placed).toMatchObject({ mapState: 'exact', publicPoint: home, radiusM: null });
    const again = await reader.accounts.setLocation.mutate({ mapState: 'exact', ...home });
    expect(again).toEqual(placed);
    const events = await locatedEvents(placed.id);
    expect(events.length).toBe(1);
    expect(events[0]!.envelope.data).toEqual({
      accountId: placed.id,
      mapState: 'exact',
      publicPoint: home,
      previousPublicPoint: null,
    });
    const [row] = await h.sql`SELECT h3_r9::text AS r9 FROM accounts WHERE id = ${placed.id}`;
    expect(row!.r9).not.toBeNull();
    expect((await reader.accounts.me.query()).privateLocation).toEqual(home);
  });

  test('radius: a point near the cell, reused on repeat and small moves, another on a new radius or far away, kept through hiding', async () => {
    const reader = await h.clientAs('reader');
    const first = await reader.accounts.setLocation.mutate({ mapState: 'radius', ...home });
    expect(first.radiusM).toBe(250);
    expect(first.publicPoint).not.toEqual(home);
    expect(await metres(first.publicPoint!, home)).toBeLessThanOrEqual(maxPublicDistanceM(250));

    const repeat = await reader.accounts.setLocation.mutate({
      mapState: 'radius',
      radiusM: 250,
      ...home,
    });
    expect(repeat).toEqual(first);
    const me = await reader.accounts.me.query();
    expect(me.publicPoint).toEqual(first.publicPoint);
    expect(me.privateLocation).toEqual(home);

    // A few metres away (GPS jitter, the map centre): the same point, and no event.
    const eventsBefore = (await locatedEvents(first.id)).length;
    const jittered = { lat: home.lat + 0.0002, lon: home.lon - 0.0002 };
    const nudged = await reader.accounts.setLocation.mutate({ mapState: 'radius', ...jittered });
    expect(nudged).toEqual(first);
    expect((await reader.accounts.me.query()).privateLocation).toEqual(jittered);
    expect((await locatedEvents(first.id)).length).toBe(eventsBefore);
    await reader.accounts.setLocation.mutate({ mapState: 'radius', ...home });

    // Off the map and back with the same location and radius: the same point, no fresh sample.
    const hidden = await reader.accounts.hide.mutate();
    expect(hidden).toMatchObject({ mapState: 'not_on_map', publicPoint: null, radiusM: null });
    const [gone] =
      await h.sql`SELECT public_point, radius_m, h3_r3 FROM accounts WHERE id = ${first.id}`;
    expect(gone).toEqual({ public_point: null, radius_m: null, h3_r3: null });
    const back = await reader.accounts.setLocation.mutate({ mapState: 'radius', ...home });
    expect(back.publicPoint).toEqual(first.publicPoint);

    const wider = await reader.accounts.setLocation.mutate({
      mapState: 'radius',
      radiusM: 2500,
      ...home,
    });
    expect(wider.publicPoint).not.toEqual(first.publicPoint);
    expect(await metres(wider.publicPoint!, home)).toBeLessThanOrEqual(maxPublicDistanceM(2500));

    // Moved to another town: another cell, another point.
    const moved = { lat: home.lat + 0.2, lon: home.lon };
    const elsewhere = await reader.accounts.setLocation.mutate({
      mapState: 'radius',
      radiusM: 2500,
      ...moved,
    });
    expect(elsewhere.publicPoint).not.toEqual(wider.publicPoint);
    expect(await metres(elsewhere.publicPoint!, moved)).toBeLessThanOrEqual(
      maxPublicDistanceM(2500),
    );

    // Back home: the cell of home again, so the very point shown there before.
    const returned = await reader.accounts.setLocation.mutate({
      mapState: 'radius',
      radiusM: 2500,
      ...home,
    });
    expect(returned.publicPoint).toEqual(wider.publicPoint);
  });

  test('hide: nothing public is left; hiding twice emits one account.hidden', async () => {
    const admin = await h.clientAs('admin');
    const placed = await admin.accounts.setLocation.mutate({
      mapState: 'radius',
      radiusM: 500,
      ...home,
    });
    await admin.accounts.hide.mutate();
    const twice = await admin.accounts.setLocation.mutate({ mapState: 'not_on_map' });
    expect(twice).toMatchObject({ mapState: 'not_on_map', publicPoint: null });
    const events = await locatedEvents(placed.id);
    expect(events.map((e) => e.subject)).toEqual([
      'gewebe.account.located',
      'gewebe.account.hidden',
    ]);
    expect(events[1]!.envelope.data).toEqual({
      accountId: placed.id,
      previousPublicPoint: placed.publicPoint,
    });
    expect(events[1]!.envelope.version).toBeGreaterThan(events[0]!.envelope.version);
    // The owner still sees where they said they are; nobody else does.
    expect((await admin.accounts.me.query()).privateLocation).toEqual(home);
  });

  test('bad input lists each bad field and changes nothing', async () => {
    const reader = await h.clientAs('reader');
    const before = await reader.accounts.me.query();
    const error = (await reader.accounts.setLocation
      .mutate({ mapState: 'radius', lat: 86, lon: 10, radiusM: 20 })
      .catch((e: unknown) => e)) as TRPCClientError<never>;
    expect(error.data).toMatchObject({ code: 'BAD_REQUEST', domainCode: 'VALIDATION_FAILED' });
    const fields = (error.data as unknown as { fieldErrors: Record<string, string[]> }).fieldErrors;
    expect(Object.keys(fields).sort()).toEqual(['lat', 'radiusM']);
    expect(await reader.accounts.me.query()).toEqual(before);
  });

  test('without a token every accounts procedure is UNAUTHORIZED', async () => {
    const anonymous = h.clientFor(null);
    for (const call of [
      () => anonymous.accounts.me.query(),
      () => anonymous.accounts.setLocation.mutate({ mapState: 'exact', ...home }),
      () => anonymous.accounts.hide.mutate(),
    ]) {
      const error = (await call().catch((e: unknown) => e)) as TRPCClientError<never>;
      expect(error).toBeInstanceOf(TRPCClientError);
      expect(error.data).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });
    }
  });
});
