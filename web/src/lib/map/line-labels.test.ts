// Names along lines in the first-view picture: on the longest straight stretch that holds them,
// upright, and not repeated close by.
import { describe, expect, test } from 'bun:test';
import { NameSpacing, placeAlongLine, turnedBox } from './line-labels';

describe('names along lines', () => {
  test('a straight street long enough gets its name in the middle, along it', () => {
    const place = placeAlongLine(
      [
        { x: 0, y: 100 },
        { x: 100, y: 100 },
        { x: 300, y: 100 },
      ],
      120,
    );
    expect(place).not.toBeNull();
    expect(place!.x).toBeCloseTo(150, 5);
    expect(place!.y).toBeCloseTo(100, 5);
    expect(place!.angle).toBeCloseTo(0, 5);
  });

  test('a street shorter than its name gets none', () => {
    expect(
      placeAlongLine(
        [
          { x: 0, y: 0 },
          { x: 40, y: 0 },
        ],
        80,
      ),
    ).toBeNull();
    expect(placeAlongLine([{ x: 0, y: 0 }], 10)).toBeNull();
  });

  test('text drawn right to left or upwards is turned to stay readable', () => {
    const westward = placeAlongLine(
      [
        { x: 300, y: 50 },
        { x: 0, y: 50 },
      ],
      100,
    )!;
    expect(Math.abs(westward.angle)).toBeLessThan(1e-9);
    const up = placeAlongLine(
      [
        { x: 10, y: 300 },
        { x: 12, y: 0 },
      ],
      100,
    )!;
    expect(Math.abs(up.angle)).toBeLessThanOrEqual(Math.PI / 2);
  });

  test('a sharp corner splits the line: the name goes on the longer straight leg', () => {
    const place = placeAlongLine(
      [
        { x: 0, y: 0 },
        { x: 60, y: 0 },
        { x: 60, y: 200 },
      ],
      100,
    )!;
    expect(place.x).toBeCloseTo(60, 5);
    expect(place.y).toBeCloseTo(100, 5);
    expect(Math.abs(place.angle)).toBeCloseTo(Math.PI / 2, 5);
    // Neither leg alone holds a long name.
    expect(
      placeAlongLine(
        [
          { x: 0, y: 0 },
          { x: 60, y: 0 },
          { x: 60, y: 60 },
        ],
        100,
      ),
    ).toBeNull();
  });

  test('a turned label claims the box it covers', () => {
    const box = turnedBox({ x: 0, y: 0, angle: Math.PI / 2 }, 100, 12);
    expect(box.w).toBeCloseTo(12, 5);
    expect(box.h).toBeCloseTo(100, 5);
  });

  test('the same name is not written twice close by, elsewhere it is', () => {
    const spacing = new NameSpacing(250);
    spacing.add('Gewebestraße', { x: 100, y: 100 });
    expect(spacing.free('Gewebestraße', { x: 200, y: 100 })).toBe(false);
    expect(spacing.free('Knotenweg', { x: 200, y: 100 })).toBe(true);
    expect(spacing.free('Gewebestraße', { x: 400, y: 100 })).toBe(true);
    expect(spacing.names()).toEqual(['Gewebestraße']);
  });
});
