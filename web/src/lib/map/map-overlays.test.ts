// The shapes drawn over the tiles: the Garnrolle being placed shows its place, its circle and
// the point others see; weavery names sit where the list says.
import { describe, expect, test } from 'bun:test';
import { garnPreviewData, pointData, weaveryLabelData } from './map-overlays';

const place = { lat: 53.55, lon: 10 };

function metresBetween(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const x = (b.lon - a.lon) * rad * Math.cos(((a.lat + b.lat) / 2) * rad);
  const y = (b.lat - a.lat) * rad;
  return Math.sqrt(x * x + y * y) * 6_371_000;
}

describe('the Garnrolle preview', () => {
  test('an exact place is one private point and no circle', () => {
    const { features } = garnPreviewData({ location: place, radiusM: null, publicPoint: null });
    expect(features.map((f) => f.properties?.role)).toEqual(['private']);
    expect(features[0]?.geometry).toEqual({ type: 'Point', coordinates: [10, 53.55] });
  });

  test('a radius draws a closed circle of that radius around the private place', () => {
    const { features } = garnPreviewData({ location: place, radiusM: 1000, publicPoint: null });
    expect(features.map((f) => f.properties?.role)).toEqual(['circle', 'private']);
    const geometry = features[0]?.geometry;
    if (geometry?.type !== 'Polygon') throw new Error('the circle is not a polygon');
    const ring = geometry.coordinates[0] ?? [];
    expect(ring[0]).toEqual(ring[ring.length - 1]!);
    for (const [lon, lat] of ring) {
      expect(Math.abs(metresBetween(place, { lat: lat!, lon: lon! }) - 1000)).toBeLessThan(10);
    }
  });

  test('the point others see is drawn once known', () => {
    const publicPoint = { lat: 53.553, lon: 10.004 };
    const { features } = garnPreviewData({ location: place, radiusM: 500, publicPoint });
    const shown = features.find((f) => f.properties?.role === 'public');
    expect(shown?.geometry).toEqual({ type: 'Point', coordinates: [10.004, 53.553] });
  });

  test('no preview draws nothing', () => {
    expect(garnPreviewData(null).features).toEqual([]);
  });
});

test('a halo is one point, or nothing once it has faded', () => {
  expect(pointData(place).features).toHaveLength(1);
  expect(pointData(null).features).toEqual([]);
});

test('weavery names carry the slug a tap opens', () => {
  const { features } = weaveryLabelData([
    { name: 'Hamburg', slug: 'hamburg', lat: 53.55, lon: 10 },
  ]);
  expect(features).toEqual([
    {
      type: 'Feature',
      properties: { name: 'Hamburg', slug: 'hamburg' },
      geometry: { type: 'Point', coordinates: [10, 53.55] },
    },
  ]);
});
