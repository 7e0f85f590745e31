// The radius draw itself: inside R, uniform over the disc (r = R·√u, θ = 2πv), on the map.
import { describe, expect, test } from 'bun:test';
import { cryptoUnit, drawPublicPoint, offsetPoint } from './public-point.ts';

// Local-plane distance back from the drawn point (accurate to millimetres at 5 km).
function northEast(center: { lat: number; lon: number }, p: { lat: number; lon: number }) {
  const probe = offsetPoint(center, 1, 1);
  const perDegLat = 1 / (probe.lat - center.lat);
  let dLon = p.lon - center.lon;
  if (dLon > 180) dLon -= 360;
  if (dLon < -180) dLon += 360;
  return { n: (p.lat - center.lat) * perDegLat, e: dLon / (probe.lon - center.lon) };
}

describe('drawPublicPoint', () => {
  test('cryptoUnit is in [0, 1)', () => {
    for (let i = 0; i < 10_000; i++) {
      const u = cryptoUnit();
      expect(u >= 0 && u < 1).toBeTrue();
    }
  });

  test('20,000 draws: all inside R, area-uniform (a quarter inside R/2), every quadrant a quarter', () => {
    const center = { lat: 48.137154, lon: 11.576124 };
    const R = 1000;
    const n = 20_000;
    let inner = 0;
    let sumSq = 0;
    const quadrants = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      const { n: north, e: east } = northEast(center, drawPublicPoint(center, R));
      const r = Math.hypot(north, east);
      expect(r).toBeLessThanOrEqual(R);
      if (r < R / 2) inner++;
      sumSq += (r / R) ** 2;
      quadrants[(north >= 0 ? 0 : 2) + (east >= 0 ? 0 : 1)]!++;
    }
    // Binomial sd at n=20,000 is ~0.003: these bounds are > 5 sd wide and still catch r = R·u.
    expect(Math.abs(inner / n - 0.25)).toBeLessThan(0.02);
    expect(Math.abs(sumSq / n - 0.5)).toBeLessThan(0.02);
    for (const q of quadrants) expect(Math.abs(q / n - 0.25)).toBeLessThan(0.02);
  });

  test('near the edge of the map and across the antimeridian the point stays valid', () => {
    for (const center of [
      { lat: 85, lon: 0 },
      { lat: -85, lon: 179.999 },
      { lat: 0, lon: -180 },
    ]) {
      for (let i = 0; i < 2_000; i++) {
        const p = drawPublicPoint(center, 5000);
        expect(Math.abs(p.lat)).toBeLessThanOrEqual(85);
        expect(Math.abs(p.lon)).toBeLessThanOrEqual(180);
      }
    }
  });
});
