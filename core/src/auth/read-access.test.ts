// AUTH_REQUIRED_FOR_READ in the core: its rule-heavy public query (weaveries.stats) needs a
// signed-in caller too, so a core reached without the edge keeps the rule; commands are as
// before. Without the setting the query stays open to everyone.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { accessTokenFor } from '@weltgewebe/infra/testing';
import { type CoreHarness, startCoreHarness } from '../testing/core-harness.ts';
import { failureOf } from '../testing/failure-of.ts';

let closed: CoreHarness;
let open: CoreHarness;
beforeAll(async () => {
  [closed, open] = await Promise.all([
    startCoreHarness({ authRequiredForRead: true }),
    startCoreHarness(),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([closed?.stop(), open?.stop()]);
});

const area = {
  type: 'Polygon' as const,
  coordinates: [
    [
      [8.0, 47.5],
      [8.1, 47.5],
      [8.1, 47.6],
      [8.0, 47.6],
      [8.0, 47.5],
    ] as [number, number][],
  ],
};

describe('AUTH_REQUIRED_FOR_READ=true in the core', () => {
  test('weaveries.stats is 401 for anonymous callers and answers with a token', async () => {
    const admin = await closed.clientAs('admin');
    await admin.weaveries.create.mutate({ name: 'Geschlossen', slug: 'geschlossen', area });

    const anonymous = await failureOf(
      closed.clientFor(null).weaveries.stats.query({ slug: 'geschlossen' }),
    );
    expect(anonymous.data).toMatchObject({
      code: 'UNAUTHORIZED',
      httpStatus: 401,
      domainCode: 'UNAUTHORIZED',
    });
    expect(anonymous.message).toBe('Zum Lesen ist eine Anmeldung nötig.');

    const reader = await closed.clientAs('reader');
    const stats = await reader.weaveries.stats.query({ slug: 'geschlossen' });
    expect(stats).toMatchObject({ nodes: { total: 0 }, accountsOnMap: '<5' });
  });

  test('a bad token is still INVALID_TOKEN, not a read refusal', async () => {
    const forged = `${(await accessTokenFor('reader')).slice(0, -4)}AAAA`;
    const e = await failureOf(
      closed.clientFor(forged).weaveries.stats.query({ slug: 'geschlossen' }),
    );
    expect(e.data).toMatchObject({ httpStatus: 401, domainCode: 'INVALID_TOKEN' });
  });

  test('commands keep their own rules: anonymous 401, a reader may not create a weavery', async () => {
    const anonymous = await failureOf(
      closed.clientFor(null).weaveries.create.mutate({ name: 'X', slug: 'x', area }),
    );
    expect(anonymous.data).toMatchObject({ httpStatus: 401, domainCode: 'UNAUTHORIZED' });
    const reader = await failureOf(
      (await closed.clientAs('reader')).weaveries.create.mutate({ name: 'X', slug: 'x', area }),
    );
    expect(reader.data).toMatchObject({ httpStatus: 403, domainCode: 'ROLE_REQUIRED' });
  });
});

describe('AUTH_REQUIRED_FOR_READ=false (the default)', () => {
  test('weaveries.stats answers anonymous callers', async () => {
    const admin = await open.clientAs('admin');
    await admin.weaveries.create.mutate({ name: 'Offen', slug: 'offen', area });
    const stats = await open.clientFor(null).weaveries.stats.query({ slug: 'offen' });
    expect(stats).toMatchObject({ nodes: { total: 0 } });
  });
});
