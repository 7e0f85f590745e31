import { describe, expect, test } from 'bun:test';
import { boxCovers, formatViewHash, grownBox, parseViewHash } from './map-view';

describe('map view hash', () => {
  test('round-trips a view', () => {
    const hash = formatViewHash({ zoom: 12, lat: 51.23456, lon: 10.41234 });
    expect(hash).toBe('#12.00/51.2346/10.4123');
    expect(parseViewHash(hash)).toEqual({ zoom: 12, lat: 51.2346, lon: 10.4123 });
  });

  test('accepts MapLibre hashes with bearing and pitch', () => {
    expect(parseViewHash('#5.5/51.2/10.4/20/30')).toEqual({ zoom: 5.5, lat: 51.2, lon: 10.4 });
  });

  test('ignores hashes that are not a view', () => {
    for (const hash of ['', '#', '#abc', '#5/51', '#30/51/10', '#5/91/10', '#5/51/200', '#a/b/c']) {
      expect(parseViewHash(hash)).toBeNull();
    }
  });
});

describe('boxes', () => {
  test('a grown box covers the box it grew from, and not a far one', () => {
    const hamburg = { west: 9.8, south: 53.4, east: 10.2, north: 53.7 };
    const grown = grownBox(hamburg, 0.5);
    expect(boxCovers(grown, hamburg)).toBe(true);
    expect(boxCovers(grown, { west: 11, south: 48, east: 11.5, north: 48.3 })).toBe(false);
    expect(grown.south).toBeCloseTo(53.25, 5);
  });

  test('boxes across the antimeridian and the whole world', () => {
    const pacific = { west: 170, south: -10, east: -170, north: 10 };
    expect(boxCovers(pacific, { west: 175, south: 0, east: -175, north: 5 })).toBe(true);
    expect(boxCovers(pacific, { west: 0, south: 0, east: 5, north: 5 })).toBe(false);
    const world = grownBox({ west: -170, south: -60, east: 170, north: 70 }, 0.5);
    expect(world.west).toBe(-180);
    expect(world.north).toBe(85);
  });
});
