// weaveries.* through the edge: list and byId from PostgreSQL, admin commands and stats
// forwarded to the core with their refusals intact.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { accessTokenFor } from '@weltgewebe/infra/testing';
import { failureOf } from '../../../core/src/testing/failure-of.ts';
import { type EdgeHarness, startEdgeHarness } from '../testing/edge-harness.ts';

let h: EdgeHarness;
beforeAll(async () => {
  h = await startEdgeHarness();
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

describe('weaveries through the edge', () => {
  test('an admin creates and changes; everyone lists and reads them with bbox and GeoJSON area', async () => {
    const admin = h.client(await accessTokenFor('admin'));
    const created = await admin.weaveries.create.mutate({
      name: 'Ortsweberei Kiel',
      slug: 'kiel',
      area: { type: 'Polygon', coordinates: [square(10.0, 54.25, 0.2)] },
    });
    await admin.weaveries.create.mutate({
      name: 'Ortsweberei Aachen',
      slug: 'aachen',
      area: { type: 'Polygon', coordinates: [square(6.0, 50.7, 0.1)] },
    });
    const anonymous = h.client(null);
    const list = await anonymous.weaveries.list.query();
    expect(list.map((w) => w.slug)).toEqual(['aachen', 'kiel']);
    const kiel = await anonymous.weaveries.byId.query({ id: created.id });
    expect(kiel).toEqual({
      id: created.id,
      name: 'Ortsweberei Kiel',
      slug: 'kiel',
      bbox: [10.0, 54.25, 10.2, 54.45],
      area: { type: 'MultiPolygon', coordinates: [[square(10.0, 54.25, 0.2)]] },
      version: 1,
    });
    expect(await anonymous.weaveries.byId.query({ slug: 'kiel' })).toEqual(kiel);

    const changed = await admin.weaveries.change.mutate({
      id: created.id,
      expectedVersion: 1,
      name: 'Ortsweberei Kiel und Umgebung',
    });
    expect(changed.version).toBe(2);
    expect((await anonymous.weaveries.byId.query({ slug: 'kiel' })).name).toBe(
      'Ortsweberei Kiel und Umgebung',
    );
    const missing = await failureOf(anonymous.weaveries.byId.query({ slug: 'atlantis' }));
    expect(missing.data).toMatchObject({ code: 'NOT_FOUND', domainCode: 'WEAVERY_NOT_FOUND' });
  });

  test('refusals keep their codes, details and fields through the edge', async () => {
    const admin = h.client(await accessTokenFor('admin'));
    const overlap = await failureOf(
      admin.weaveries.create.mutate({
        name: 'Kiel-Süd',
        slug: 'kiel-sued',
        area: { type: 'Polygon', coordinates: [square(10.1, 54.2, 0.1)] },
      }),
    );
    expect(overlap.data).toMatchObject({ code: 'CONFLICT', domainCode: 'WEAVERY_OVERLAP' });
    expect(overlap.data.details).toMatchObject({ overlapping: [{ slug: 'kiel' }] });
    expect(Object.keys(overlap.data.fieldErrors!)).toEqual(['area']);
    const weaver = h.client(await accessTokenFor('weaver'));
    const refused = await failureOf(
      weaver.weaveries.create.mutate({
        name: 'x',
        slug: 'x',
        area: { type: 'Polygon', coordinates: [square(0, 0, 0.1)] },
      }),
    );
    expect(refused.data).toMatchObject({ code: 'FORBIDDEN', domainCode: 'ROLE_REQUIRED' });
    const anonymous = await failureOf(
      h.client(null).weaveries.create.mutate({
        name: 'x',
        slug: 'x',
        area: { type: 'Polygon', coordinates: [square(0, 0, 0.1)] },
      }),
    );
    expect(anonymous.data.code).toBe('UNAUTHORIZED');
  });

  test('stats answer anonymous and signed-in callers alike, with the k ≥ 5 rule', async () => {
    const admin = h.client(await accessTokenFor('admin'));
    await admin.weaveries.create.mutate({
      name: 'Ortsweberei Rostock',
      slug: 'rostock',
      area: { type: 'Polygon', coordinates: [square(12.0, 54.0, 0.2)] },
    });
    const reader = h.client(await accessTokenFor('reader'));
    await reader.nodes.create.mutate({
      operationId: crypto.randomUUID(),
      kind: 'place',
      title: 'Stadtteilladen',
      lat: 54.09,
      lon: 12.1,
    });
    const anonymous = await h.client(null).weaveries.stats.query({ slug: 'rostock' });
    expect(anonymous).toMatchObject({
      weavery: { slug: 'rostock' },
      nodes: { total: 1, byKind: { place: 1 } },
      accountsOnMap: '<5',
      liveThreads: 1,
    });
    expect(anonymous.mostActiveNodes.map((n) => n.title)).toEqual(['Stadtteilladen']);
    expect(await reader.weaveries.stats.query({ slug: 'rostock' })).toMatchObject({
      nodes: { total: 1 },
    });
    const unknown = await failureOf(h.client(null).weaveries.stats.query({ slug: 'atlantis' }));
    expect(unknown.data).toMatchObject({ code: 'NOT_FOUND', domainCode: 'WEAVERY_NOT_FOUND' });
  });
});
