import { describe, expect, test } from 'bun:test';
import { formatViewHash, parseViewHash } from './map-view';

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
