// The derived public point of radius mode, property-tested without a database (the end-to-end
// sample through core + PostgreSQL is radius-privacy.test.ts). Thousands of seeded people
// re-save their place within 50 m and switch radii over the ladder; an observer records every
// point shown. Promise: the mean of everything shown stays farther from home than half the
// smallest radius as often as a single honest draw around the home would (a single draw is
// nearer than R/2 a quarter of the time), and each radius shows one point per cell. The old
// rule (a fresh draw per change) runs on the same people and must fail, so the test has teeth.
import { describe, expect, test } from 'bun:test';
import { RADIUS_LADDER_M } from '@weltgewebe/events/domain';
import { getHexagonEdgeLengthAvg, greatCircleDistance } from 'h3-js';
import {
  makePerson,
  near,
  northEast,
  observe,
  type Person,
  seeded,
  summarise,
} from './averaging-attack.ts';
import {
  cellCorners,
  cryptoUnit,
  derivePublicPoint,
  ladderRung,
  maxPublicDistanceM,
  offsetPoint,
  resolutionFor,
} from './public-point.ts';

const SEED = Number(process.env.PRIVACY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const PEOPLE = Number(process.env.PRIVACY_PEOPLE ?? 4000);
const metres = (a: { lat: number; lon: number }, b: { lat: number; lon: number }) =>
  greatCircleDistance([a.lat, a.lon], [b.lat, b.lon], 'm');

describe(`derived public point (seed ${SEED}: rerun with PRIVACY_SEED=${SEED})`, () => {
  test('the ladder: off-ladder radii round up; each rung snaps to cells about its size', () => {
    expect(RADIUS_LADDER_M.map(ladderRung)).toEqual([...RADIUS_LADDER_M]);
    expect([1, 50, 51, 251, 999, 1001, 4999, 9000].map(ladderRung)).toEqual([
      50, 50, 100, 500, 1000, 2500, 5000, 5000,
    ]);
    for (const r of RADIUS_LADDER_M) {
      const edge = getHexagonEdgeLengthAvg(resolutionFor(r), 'm');
      // Nearest H3 edge: within a factor of two either way (H3 steps by √7 ≈ 2.65).
      expect(edge / r).toBeGreaterThan(0.5);
      expect(edge / r).toBeLessThan(2);
    }
  });

  test('deterministic per secret and cell; within R of the cell centre; uniform over the disc', () => {
    const rnd = seeded(SEED);
    const n = 5000;
    let sumSq = 0;
    const quadrants = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      const person = makePerson(rnd, i);
      const radiusM = RADIUS_LADDER_M[i % RADIUS_LADDER_M.length]!;
      const location = person.saves[0]!.location;
      const a = derivePublicPoint({ secret: person.secret, location, radiusM, recentCells: [] });
      const b = derivePublicPoint({ secret: person.secret, location, radiusM, recentCells: [] });
      expect(b).toEqual(a);
      expect(Math.abs(a.point.lat)).toBeLessThanOrEqual(85);
      expect(Math.abs(a.point.lon)).toBeLessThanOrEqual(180);
      expect(metres(a.point, location)).toBeLessThanOrEqual(maxPublicDistanceM(radiusM));
      if (Math.abs(a.cellCentre.lat) < 84.9) {
        const { north, east } = northEast(a.cellCentre, a.point);
        const r = Math.hypot(north, east);
        expect(r).toBeLessThanOrEqual(radiusM);
        sumSq += (r / radiusM) ** 2;
        quadrants[(north >= 0 ? 0 : 2) + (east >= 0 ? 0 : 1)]!++;
      }
      // Another account (another secret) at the same place: another grid and another point.
      const other = derivePublicPoint({
        secret: person.secret.map((x) => x ^ 1),
        location,
        radiusM,
        recentCells: [],
      });
      expect(other.point).not.toEqual(a.point);
    }
    const counted = quadrants.reduce((s, q) => s + q, 0);
    expect(counted).toBeGreaterThan(n * 0.9);
    // Uniform over the disc: E[(r/R)²] = ½; each quadrant a quarter (binomial sd < 0.01).
    expect(Math.abs(sumSq / counted - 0.5)).toBeLessThan(0.03);
    for (const q of quadrants) expect(Math.abs(q / counted - 0.25)).toBeLessThan(0.03);
  });

  test(`${PEOPLE} people moving within 50 m and switching radii: the observer's mean stays away from home`, () => {
    const rnd = seeded(SEED + 1);
    const people = Array.from({ length: PEOPLE }, (_, i) => makePerson(rnd, i));
    const derived = people.map((p) => observe(p, 'derived'));
    const old = people.map((p) => observe(p, 'fresh-draw', seeded(SEED + 2)));
    const now = summarise(derived);
    const before = summarise(old);
    console.log(
      `averaging attack, seed ${SEED}:`,
      JSON.stringify({ derived: now, freshDraw: before }),
    );

    // Moving inside a cell changes nothing: one point per radius used, however many saves.
    expect(now.maxDistinctPerRadius).toBe(1);
    for (const [i, o] of derived.entries()) {
      const person = people[i]!;
      for (let s = 1; s < o.shown.length; s++) {
        if (person.saves[s]!.radiusM === person.saves[s - 1]!.radiusM)
          expect(o.shown[s]).toEqual(o.shown[s - 1]!);
      }
    }
    // The promise, as a distribution over people: no more observers get within half the
    // smallest radius than a single draw around the home would allow (¼), and the typical
    // observer's mean stays farther than half the smallest radius.
    expect(now.nearerThanHalfRadius).toBeLessThanOrEqual(0.25);
    expect(now.nearerThanHalfRadiusDistinct).toBeLessThanOrEqual(0.25);
    expect(now.medianErrorOverRadius).toBeGreaterThan(0.5);
    expect(now.meanErrorOverRadius).toBeGreaterThan(0.5);
    // The same checks catch the old rule on the same people.
    expect(before.nearerThanHalfRadius).toBeGreaterThan(0.5);
    expect(before.medianErrorOverRadius).toBeLessThan(0.5);
  }, 60_000);

  test('a home exactly on a cell boundary with 50 m jitter does not flip between cells', () => {
    const rnd = seeded(SEED + 3);
    for (let i = 0; i < 700; i++) {
      const person = makePerson(rnd, i + 2);
      const radiusM = RADIUS_LADDER_M[i % RADIUS_LADDER_M.length]!;
      const start = derivePublicPoint({
        secret: person.secret,
        location: person.home,
        radiusM,
        recentCells: [],
      });
      // The middle of one edge of the account's own (shifted) cell: the worst place to live.
      const corners = cellCorners(person.secret, start.cell);
      const k = i % corners.length;
      const a = corners[k]!;
      const b = corners[(k + 1) % corners.length]!;
      const boundary = { lat: (a.lat + b.lat) / 2, lon: (a.lon + b.lon) / 2 };
      const atBoundary: Person = {
        home: boundary,
        secret: person.secret,
        saves: Array.from({ length: 40 }, () => ({ location: near(boundary, 50, rnd), radiusM })),
      };
      expect(observe(atBoundary, 'derived').distinct).toBe(1);
    }
  });

  test('a commuter between two places shows at most one point per place and radius', () => {
    const rnd = seeded(SEED + 4);
    for (let i = 0; i < 300; i++) {
      const person = makePerson(rnd, i + 2);
      const bearing = 2 * Math.PI * rnd();
      const km = 2 + rnd() * 30;
      const work = offsetPoint(
        person.home,
        km * 1000 * Math.cos(bearing),
        km * 1000 * Math.sin(bearing),
      );
      const radiusM = RADIUS_LADDER_M[i % RADIUS_LADDER_M.length]!;
      const commuter: Person = {
        home: person.home,
        secret: person.secret,
        saves: Array.from({ length: 60 }, (_, s) => ({
          location: near(s % 2 === 0 ? person.home : work, 50, rnd),
          radiusM,
        })),
      };
      expect(observe(commuter, 'derived').distinct).toBeLessThanOrEqual(2);
    }
  });

  test('cryptoUnit is in [0, 1)', () => {
    for (let i = 0; i < 10_000; i++) {
      const u = cryptoUnit();
      expect(u >= 0 && u < 1).toBeTrue();
    }
  });

  test('near the edge of the map and across the antimeridian the point stays valid', () => {
    const rnd = seeded(SEED + 5);
    for (const center of [
      { lat: 85, lon: 0 },
      { lat: -85, lon: 179.999 },
      { lat: 0, lon: -180 },
      { lat: 84.99, lon: 180 },
    ]) {
      for (let i = 0; i < 300; i++) {
        const secret = new Uint8Array(32).map(() => Math.floor(rnd() * 256));
        for (const radiusM of RADIUS_LADDER_M) {
          const { point } = derivePublicPoint({
            secret,
            location: center,
            radiusM,
            recentCells: [],
          });
          expect(Math.abs(point.lat)).toBeLessThanOrEqual(85);
          expect(Math.abs(point.lon)).toBeLessThanOrEqual(180);
        }
      }
    }
  });
});
