// Source loading: what the edge's catalog means for the map, where weavery names are written,
// and when tiles are asked for anew.
import { describe, expect, test } from 'bun:test';
import { capabilitiesOf, filterKey, TileVersion, weaveryPlaces } from './map-sources';

describe('the catalog', () => {
  test('offers what it lists; the vector basemap only once it has data', () => {
    const listed = (hasData: boolean) =>
      capabilitiesOf({
        sources: [{ id: 'nodes' }, { id: 'hex' }, { id: 'threads' }, { id: 'basemap', hasData }],
      });
    expect([...listed(false).sources].sort()).toEqual(['basemap', 'hex', 'nodes', 'threads']);
    expect(listed(false).vectorBasemap).toBe(false);
    expect(listed(true).vectorBasemap).toBe(true);
  });

  test('without an answer (offline, edge away) the map still draws nodes over the GeoJSON basemap', () => {
    for (const catalog of [null, {}, { sources: 'nodes' }, { sources: [null, { id: 3 }] }]) {
      expect(capabilitiesOf(catalog)).toEqual({
        sources: new Set(['nodes']),
        vectorBasemap: false,
      });
    }
  });
});

test('a weavery name is written at the middle of its box', () => {
  expect(
    weaveryPlaces([{ name: 'Hamburg', slug: 'hamburg', bbox: [9.7, 53.4, 10.3, 53.7] }]),
  ).toEqual([{ name: 'Hamburg', slug: 'hamburg', lon: 10, lat: 53.55 }]);
});

test('filters that ask for the same tiles have the same key', () => {
  const a = filterKey({ kinds: ['event'], topics: ['food'] });
  expect(filterKey({ kinds: ['event'], topics: ['food'] })).toBe(a);
  expect(filterKey({ kinds: ['event'], topics: [] })).not.toBe(a);
  expect(filterKey({ kinds: [], topics: ['event'] })).not.toBe(
    filterKey({ kinds: ['event'], topics: [] }),
  );
});

test('the tile version is new per page load and after each change', () => {
  const load = new TileVersion(1_700_000_000_000);
  const first = load.current;
  expect(new TileVersion(1_700_000_000_001).current).not.toBe(first);
  load.bump();
  const second = load.current;
  expect(second).not.toBe(first);
  load.bump();
  expect(new Set([first, second, load.current]).size).toBe(3);
});
