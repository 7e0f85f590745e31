// search.query through the edge: the real gazetteer ranks places, German full text and
// trigrams find nodes, tombstones stay out, bad input is BAD_REQUEST.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { TRPCClientError } from '@trpc/client';
import { GERMANY_AND_NEIGHBOURS, loadGazetteer } from '@weltgewebe/db/gazetteer';
import { accessTokenFor } from '@weltgewebe/infra/testing';
import postgres from 'postgres';
import { type EdgeHarness, startEdgeHarness } from '../testing/edge-harness.ts';
import { prefixUpperBound, splitTypedWord } from './search-service.ts';

let h: EdgeHarness;
const ids: Record<string, string> = {};

beforeAll(async () => {
  h = await startEdgeHarness();
  await loadGazetteer(h.core.db.ownerUrl, { countries: GERMANY_AND_NEIGHBOURS });
  const weaver = h.client(await accessTokenFor('weaver'));
  const nodes = [
    ['Gemeinschaftsgarten Altona', 53.55, 9.93],
    ['Interkulturelle Gärten Wilhelmsburg', 53.5, 10.0],
    ['Lastenradverleih Ottensen', 53.553, 9.92],
    ['Werkstatt für Lastenräder', 48.13, 11.57],
    ['Repair-Café Nippes', 50.96, 6.95],
    ['Abgerissener Garten', 53.56, 9.95],
  ] as const;
  for (const [title, lat, lon] of nodes) {
    const node = await weaver.nodes.create.mutate({
      operationId: crypto.randomUUID(),
      kind: 'place',
      title,
      summary: 'Ein Ort zum Mitmachen.',
      lat,
      lon,
    });
    ids[title] = node.id;
  }
  // Removal is the core's; here only its result matters: a tombstone row.
  const owner = postgres(h.core.db.ownerUrl, { max: 1 });
  await owner`UPDATE nodes SET removed_at = now() WHERE id = ${ids['Abgerissener Garten']!}`;
  await owner.end();
}, 120_000);
afterAll(async () => {
  await h.stop();
}, 60_000);

const search = (q: string, extra: object = {}) =>
  h.client(null).search.query.query({ q, ...extra });

describe('search.query: places', () => {
  test('"Hamb" finds Hamburg first, "Berl" finds Berlin first', async () => {
    expect((await search('Hamb')).places[0]).toMatchObject({ name: 'Hamburg', country: 'DE' });
    expect((await search('Berl')).places[0]).toMatchObject({ name: 'Berlin', country: 'DE' });
  });

  test('accents do not matter: "Koln" finds Köln, "Munchen" finds München', async () => {
    expect((await search('Koln')).places[0]?.name).toBe('Köln');
    expect((await search('Munchen')).places[0]?.name).toBe('München');
    expect((await search('Munich')).places[0]?.name).toBe('München');
  });

  test('a typo still finds the city', async () => {
    const names = (await search('Hambrug', { limit: 10 })).places.map((p) => p.name);
    expect(names).toContain('Hamburg');
  });

  test('near ranks a nearby namesake above a larger distant one', async () => {
    // Frankfurt am Main is far bigger; near the Oder, Frankfurt (Oder) comes first.
    const far = await search('Frankfurt');
    expect(far.places[0]?.name).toBe('Frankfurt am Main');
    const near = await search('Frankfurt', { near: { lat: 52.34, lon: 14.55 } });
    expect(near.places[0]?.name).toMatch(/Oder/);
  });
});

describe('search.query: nodes', () => {
  test('German stemming: "Gärten" finds gardens, compounds included', async () => {
    const titles = (await search('Gärten', { limit: 10 })).nodes.map((n) => n.title);
    expect(titles).toContain('Interkulturelle Gärten Wilhelmsburg');
    expect(titles).toContain('Gemeinschaftsgarten Altona');
  });

  test('the word being typed matches as a prefix', async () => {
    const titles = (await search('Lastenr')).nodes.map((n) => n.title).sort();
    expect(titles).toEqual(['Lastenradverleih Ottensen', 'Werkstatt für Lastenräder']);
  });

  test('near ranks the nearby node first', async () => {
    const inMunich = await search('Lastenrad', { near: { lat: 48.14, lon: 11.58 } });
    expect(inMunich.nodes[0]?.title).toBe('Werkstatt für Lastenräder');
    const inHamburg = await search('Lastenrad', { near: { lat: 53.55, lon: 9.93 } });
    expect(inHamburg.nodes[0]?.title).toBe('Lastenradverleih Ottensen');
  });

  test('removed nodes are not found', async () => {
    const hits = (await search('Garten', { limit: 20 })).nodes;
    expect(hits.map((n) => n.id)).not.toContain(ids['Abgerissener Garten']);
    expect(hits.length).toBeGreaterThan(0);
  });
});

describe('search.query: input', () => {
  const badRequest = async (input: { q: string }) => {
    const error = await search(input.q).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<never>).data).toMatchObject({
      code: 'BAD_REQUEST',
      httpStatus: 400,
    });
    return (error as TRPCClientError<never>).data as unknown as {
      fieldErrors: Record<string, string[]>;
    };
  };

  test('empty or blank q is BAD_REQUEST naming the field', async () => {
    expect(Object.keys((await badRequest({ q: '' })).fieldErrors)).toEqual(['q']);
    expect(Object.keys((await badRequest({ q: '   ' })).fieldErrors)).toEqual(['q']);
  });

  test('q over 200 characters is BAD_REQUEST', async () => {
    await badRequest({ q: 'a'.repeat(201) });
  });

  test('query syntax characters are just text', async () => {
    for (const q of ['"', '-', 'a & b | !c', "'; DROP TABLE nodes; --", '%_\\', ':*'])
      expect(await search(q)).toHaveProperty('nodes');
  });

  test('splitting off the word being typed', () => {
    expect(splitTypedWord('Lastenrad Hamb')).toEqual({ head: 'Lastenrad', typing: 'Hamb' });
    expect(splitTypedWord('Lastenrad ')).toEqual({ head: 'Lastenrad ', typing: null });
    expect(splitTypedWord('"offene werkst')).toEqual({ head: '"offene werkst', typing: null });
    expect(prefixUpperBound('hamb')).toBe('hamc');
  });
});
