// The averaging attack on radius mode, simulated: seeded people who re-save their place with
// small moves and switch radii, and an observer who records every public point shown and takes
// the mean. Used by the property test (public-point.test.ts) and by bench/privacy.ts to compare
// the derived point with the old fresh-draw rule on the very same move sequences.
import type { LatLon } from '@weltgewebe/db/dto';
import { RADIUS_LADDER_M } from '@weltgewebe/events/domain';
import { derivePublicPoint, offsetPoint } from './public-point.ts';

/** mulberry32: small, seeded, reproducible. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Save {
  location: LatLon;
  radiusM: number;
}

export interface Person {
  home: LatLon;
  secret: Uint8Array;
  saves: Save[];
}

/** A uniform point within `maxM` metres of `home`. */
export function near(home: LatLon, maxM: number, rnd: () => number): LatLon {
  const r = maxM * Math.sqrt(rnd());
  const t = 2 * Math.PI * rnd();
  return offsetPoint(home, r * Math.cos(t), r * Math.sin(t));
}

/**
 * One person: a home anywhere on the map (some at its latitude edge, some at the antimeridian),
 * 2–60 saves within `jitterM` of it, and radii from a random subset of the ladder (often two
 * neighbouring rungs, the cheapest way to get two independent samples).
 */
export function makePerson(rnd: () => number, i: number, jitterM = 50): Person {
  const lat = i % 50 === 0 ? (rnd() < 0.5 ? -1 : 1) * (84.9 + rnd() * 0.1) : -80 + rnd() * 160;
  const lon = i % 50 === 1 ? 179.9995 + rnd() * 0.0005 : -180 + rnd() * 360;
  const home = { lat, lon };
  const secret = new Uint8Array(32).map(() => Math.floor(rnd() * 256));
  const n = RADIUS_LADDER_M.length;
  let radii: number[];
  const shape = rnd();
  if (shape < 0.3) radii = [RADIUS_LADDER_M[Math.floor(rnd() * n)]!];
  else if (shape < 0.7) {
    const k = Math.floor(rnd() * (n - 1));
    radii = [RADIUS_LADDER_M[k]!, RADIUS_LADDER_M[k + 1]!];
  } else radii = RADIUS_LADDER_M.filter(() => rnd() < 0.5);
  if (radii.length === 0) radii = [RADIUS_LADDER_M[0]];
  const count = 2 + Math.floor(rnd() * 59);
  const saves: Save[] = [];
  for (let s = 0; s < count; s++) {
    saves.push({ location: near(home, jitterM, rnd), radiusM: radii[s % radii.length]! });
  }
  return { home, secret, saves };
}

/** Local-plane metres north/east of `origin` (accurate to millimetres over a few km). */
export function northEast(origin: LatLon, p: LatLon) {
  const probe = offsetPoint(origin, 1, 1);
  let dLon = p.lon - origin.lon;
  if (dLon > 180) dLon -= 360;
  if (dLon < -180) dLon += 360;
  return {
    north: (p.lat - origin.lat) / (probe.lat - origin.lat),
    east: dLon / (probe.lon - origin.lon),
  };
}

export interface Observation {
  /** Every point the map showed, one per save (an unchanged point is shown again). */
  shown: LatLon[];
  /** Metres from home to the mean of every point shown. */
  meanError: number;
  /** Metres from home to the mean of the distinct points (the observer drops repeats). */
  distinctMeanError: number;
  distinct: number;
  smallestRadiusM: number;
  radiiUsed: number;
}

function errorOfMean(home: LatLon, points: LatLon[]): number {
  let north = 0;
  let east = 0;
  for (const p of points) {
    const d = northEast(home, p);
    north += d.north;
    east += d.east;
  }
  return Math.hypot(north / points.length, east / points.length);
}

/** Runs a person's saves through a public-point rule and measures what the observer learns. */
export function observe(
  person: Person,
  rule: 'derived' | 'fresh-draw',
  rnd: () => number = Math.random,
): Observation {
  const shown: LatLon[] = [];
  let recentCells: string[] = [];
  let previous: Save | null = null;
  let previousPoint: LatLon | null = null;
  for (const save of person.saves) {
    if (rule === 'derived') {
      const d = derivePublicPoint({ secret: person.secret, ...save, recentCells });
      recentCells = d.recentCells;
      shown.push(d.point);
    } else {
      // The rule before migration 0011: a fresh uniform draw around the location whenever
      // the location or the radius changed.
      const same =
        previous !== null &&
        previous.radiusM === save.radiusM &&
        previous.location.lat === save.location.lat &&
        previous.location.lon === save.location.lon;
      if (!same || previousPoint === null) {
        const r = save.radiusM * Math.sqrt(rnd());
        const t = 2 * Math.PI * rnd();
        previousPoint = offsetPoint(save.location, r * Math.cos(t), r * Math.sin(t));
      }
      shown.push(previousPoint);
      previous = save;
    }
  }
  const distinctPoints = [...new Map(shown.map((p) => [`${p.lat},${p.lon}`, p])).values()];
  const radii = new Set(person.saves.map((s) => s.radiusM));
  return {
    shown,
    meanError: errorOfMean(person.home, shown),
    distinctMeanError: errorOfMean(person.home, distinctPoints),
    distinct: distinctPoints.length,
    smallestRadiusM: Math.min(...radii),
    radiiUsed: radii.size,
  };
}

export interface AttackSummary {
  people: number;
  /** Share of people whose observer's mean (all points, or distinct points) is nearer to home than half their smallest radius. */
  nearerThanHalfRadius: number;
  nearerThanHalfRadiusDistinct: number;
  /** Median and mean of (error of the observer's mean) / (smallest radius). */
  medianErrorOverRadius: number;
  meanErrorOverRadius: number;
  /** Most distinct points any person showed per radius they used. */
  maxDistinctPerRadius: number;
}

export function summarise(observations: Observation[]): AttackSummary {
  const ratios = observations.map((o) => o.meanError / o.smallestRadiusM).sort((a, b) => a - b);
  const n = observations.length;
  return {
    people: n,
    nearerThanHalfRadius:
      observations.filter((o) => o.meanError < o.smallestRadiusM / 2).length / n,
    nearerThanHalfRadiusDistinct:
      observations.filter((o) => o.distinctMeanError < o.smallestRadiusM / 2).length / n,
    medianErrorOverRadius: ratios[Math.floor(n / 2)]!,
    meanErrorOverRadius: ratios.reduce((s, r) => s + r, 0) / n,
    maxDistinctPerRadius: Math.max(...observations.map((o) => o.distinct / o.radiiUsed)),
  };
}
