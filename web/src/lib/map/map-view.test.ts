import { describe, expect, test } from 'bun:test';
import {
  boxCovers,
  cameraBounds,
  coveringTiles,
  formatViewHash,
  grownBox,
  parseViewHash,
  pointAtScreen,
  pointAtWorldPixel,
  screenPixel,
  worldPixel,
} from './map-view';

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

describe('web mercator for the first-view picture', () => {
  const camera = { zoom: 5.5, lat: 51.2, lon: 10.4, width: 412, height: 823 };

  test('a point and its world pixel round-trip', () => {
    for (const point of [
      { lat: 53.55, lon: 10.0 },
      { lat: -33.9, lon: 151.2 },
      { lat: 0, lon: -179.5 },
    ]) {
      const { x, y } = worldPixel(point, 7.3);
      const back = pointAtWorldPixel(x, y, 7.3);
      expect(back.lat).toBeCloseTo(point.lat, 9);
      expect(back.lon).toBeCloseTo(point.lon, 9);
    }
  });

  test('the camera centre is the middle of the screen; corners make its bounds', () => {
    expect(screenPixel(camera, camera)).toEqual({ x: 206, y: 411.5 });
    const middle = pointAtScreen(camera, 206, 411.5);
    expect(middle.lat).toBeCloseTo(51.2, 9);
    expect(middle.lon).toBeCloseTo(10.4, 9);
    const box = cameraBounds(camera);
    expect(box.west).toBeLessThan(10.4);
    expect(box.east).toBeGreaterThan(10.4);
    // 412 px at zoom 5.5 span 412 / (512 · 2^5.5) of 360°.
    expect(box.east - box.west).toBeCloseTo((412 / (512 * 2 ** 5.5)) * 360, 6);
  });

  test('the tiles picked are those MapLibre asks for at the same view', () => {
    // Seen in the browser: MapLibre asked for z5 x16–17 y10–11 at #5.50/51.20/10.40 on 412×823.
    const tiles = coveringTiles(camera, 16).map(({ z, wrappedX, y }) => `${z}/${wrappedX}/${y}`);
    expect(tiles.sort()).toEqual(['5/16/10', '5/16/11', '5/17/10', '5/17/11']);
    // Past a source's last zoom its tiles are stretched.
    expect(coveringTiles({ ...camera, zoom: 14.2 }, 12).every((t) => t.z === 12)).toBe(true);
  });

  test('where the world repeats, columns wrap for fetching', () => {
    const wide = { zoom: 0.5, lat: 0, lon: 179, width: 1400, height: 600 };
    const tiles = coveringTiles(wide, 16);
    expect(tiles.some((t) => t.x !== t.wrappedX)).toBe(true);
    expect(tiles.every((t) => t.wrappedX === 0 && t.z === 0)).toBe(true);
  });
});
