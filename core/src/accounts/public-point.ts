// The public point of a Garnrolle in radius mode, derived, never drawn (core/README.md): the
// private location snaps to a cell about the size of the radius on an H3 grid shifted by a
// per-account secret, and HMAC(secret, radius, cell) picks one uniform point in the disc of
// radius R around that cell's centre. Whatever an observer records over time, each (radius,
// cell) pair shows one point, so averaging converges to cell centres, never to the home.
import { createHmac } from 'node:crypto';
import type { LatLon } from '@weltgewebe/db/dto';
import { RADIUS_LADDER_M } from '@weltgewebe/events/domain';
import {
  cellToBoundary,
  cellToLatLng,
  getHexagonEdgeLengthAvg,
  getResolution,
  greatCircleDistance,
  latLngToCell,
} from 'h3-js';

// WGS84, so distances measured on the ellipsoid (PostGIS geography) stay within R.
const SEMI_MAJOR_M = 6_378_137;
const ECCENTRICITY_SQ = 6.694_379_990_14e-3;
// A hair (0.01 %) inside R, so the local-plane approximation never lands a point past the rim.
const RIM_MARGIN = 1 - 1e-4;
const MAX_LAT = 85;

/** Bytes of the per-account secret the core generates (migrated rows get 30.5 random bytes). */
export const SECRET_BYTES = 32;

/**
 * A location stays in a cell it used before while it is within this many metres of that cell.
 * GPS jitter and re-saves from the map centre move a person by up to ~50 m around the home, so
 * two saves lie at most 100 m apart: with 100 m of stickiness a person who stays within 50 m
 * of home never leaves the first cell they were placed in, at any radius.
 */
export const STICKY_M = 100;

/** How many recently used cells the private row remembers (most recent first). */
export const RECENT_CELLS_MAX = 32;

/** The H3 resolution whose average edge is nearest to each rung of the radius ladder. */
export function resolutionFor(radiusM: number): number {
  let best = 0;
  for (let res = 0; res <= 15; res++) {
    const gap = Math.abs(getHexagonEdgeLengthAvg(res, 'm') - radiusM);
    if (gap < Math.abs(getHexagonEdgeLengthAvg(best, 'm') - radiusM)) best = res;
  }
  return best;
}

const RESOLUTIONS = new Map<number, number>(RADIUS_LADDER_M.map((r) => [r, resolutionFor(r)]));

/** The rung a radius is shown with: itself when on the ladder, else the next larger rung. */
export function ladderRung(radiusM: number): number {
  return RADIUS_LADDER_M.find((r) => r >= radiusM) ?? RADIUS_LADDER_M[RADIUS_LADDER_M.length - 1]!;
}

/** A uniform number in [0, 1) with 53 random bits from crypto.getRandomValues. */
export function cryptoUnit(): number {
  const words = crypto.getRandomValues(new Uint32Array(2));
  return (words[0]! * 2 ** 21 + (words[1]! >>> 11)) / 2 ** 53;
}

/** A fresh per-account secret. */
export function newSecret(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
}

const toRad = (deg: number) => (deg * Math.PI) / 180;
const toDeg = (rad: number) => (rad * 180) / Math.PI;
const wrapLon = (lon: number) => (lon > 180 ? lon - 360 : lon < -180 ? lon + 360 : lon);

/** Metres north and east of `center` → a point, on the ellipsoid's local plane at mid-latitude. */
export function offsetPoint(center: LatLon, northM: number, eastM: number): LatLon {
  const radii = (latRad: number) => {
    const w = Math.sqrt(1 - ECCENTRICITY_SQ * Math.sin(latRad) ** 2);
    return {
      meridional: (SEMI_MAJOR_M * (1 - ECCENTRICITY_SQ)) / w ** 3,
      primeVertical: SEMI_MAJOR_M / w,
    };
  };
  const lat0 = toRad(center.lat);
  const guess = lat0 + northM / radii(lat0).meridional;
  const mid = (lat0 + guess) / 2;
  const { meridional, primeVertical } = radii(mid);
  return {
    lat: toDeg(lat0 + northM / meridional),
    lon: wrapLon(center.lon + toDeg(eastM / (primeVertical * Math.cos(mid)))),
  };
}

/** Uniform numbers in [0, 1) from HMAC-SHA256(secret, label): deterministic, unpredictable. */
function hmacUnits(secret: Uint8Array, label: string): number[] {
  const bytes = createHmac('sha256', secret).update(label).digest();
  const units: number[] = [];
  for (let i = 0; i + 8 <= bytes.length; i += 8) {
    const hi = bytes.readUInt32BE(i);
    const lo = bytes.readUInt32BE(i + 4);
    units.push((hi * 2 ** 21 + (lo >>> 11)) / 2 ** 53);
  }
  return units;
}

/** r = R·√u, θ = 2πv: a uniform point over the disc of radius R, as metres north and east. */
function discOffset(radiusM: number, u: number, v: number) {
  const r = radiusM * RIM_MARGIN * Math.sqrt(u);
  const theta = 2 * Math.PI * v;
  return { north: r * Math.cos(theta), east: r * Math.sin(theta) };
}

/**
 * The account's own shift of the H3 grid at one resolution: uniform over a disc two average
 * edges wide, so where the home sits inside its cell (near a boundary or the centre) does not
 * depend on the public H3 grid and the cell boundaries an observer might infer are the
 * account's alone.
 */
function gridShift(secret: Uint8Array, res: number) {
  const [u, v] = hmacUnits(secret, `weltgewebe/grid-shift/v2|${res}`);
  return discOffset(2 * getHexagonEdgeLengthAvg(res, 'm'), u!, v!);
}

const metres = (a: LatLon, b: LatLon) => greatCircleDistance([a.lat, a.lon], [b.lat, b.lon], 'm');

/** The farthest vertex of a cell from its centre. */
function circumradius(cell: string): number {
  const [lat, lon] = cellToLatLng(cell);
  return Math.max(
    ...cellToBoundary(cell).map(([bl, bo]) => metres({ lat, lon }, { lat: bl, lon: bo })),
  );
}

/** A cell's corners on the map (the account's grid shift undone), for tests and notes. */
export function cellCorners(secret: Uint8Array, cell: string): LatLon[] {
  const shift = gridShift(secret, getResolution(cell));
  return cellToBoundary(cell).map(([lat, lon]) =>
    offsetPoint({ lat, lon }, -shift.north, -shift.east),
  );
}

export interface PublicPointInput {
  secret: Uint8Array;
  location: LatLon;
  radiusM: number;
  /** Cells this account used before, most recent first (any resolution). */
  recentCells: readonly string[];
}

export interface DerivedPoint {
  point: LatLon;
  /** The (shifted-grid) cell the point belongs to. */
  cell: string;
  /** The centre of that cell on the map (the disc's centre). */
  cellCentre: LatLon;
  /** The remembered cells after this derivation, most recent first. */
  recentCells: string[];
}

/**
 * The public point for a location and a ladder radius. Pure: the same secret, location cell
 * and radius give the same point, so re-saving, GPS jitter, hiding and returning, and switching
 * radii back and forth show at most one point per (radius, cell).
 */
export function derivePublicPoint(input: PublicPointInput): DerivedPoint {
  const res = RESOLUTIONS.get(input.radiusM);
  if (res === undefined) throw new Error(`radius ${input.radiusM} m is not on the ladder`);
  const shift = gridShift(input.secret, res);
  const shifted = offsetPoint(input.location, shift.north, shift.east);
  const here = { lat: Math.max(-89.9, Math.min(89.9, shifted.lat)), lon: shifted.lon };
  const sticky = input.recentCells.find((c) => {
    if (getResolution(c) !== res) return false;
    const [lat, lon] = cellToLatLng(c);
    return metres(here, { lat, lon }) <= circumradius(c) + STICKY_M;
  });
  const cell = sticky ?? latLngToCell(here.lat, here.lon, res);
  const [clat, clon] = cellToLatLng(cell);
  const cellCentre = offsetPoint({ lat: clat, lon: clon }, -shift.north, -shift.east);
  let point: LatLon | null = null;
  for (let attempt = 0; attempt < 16 && point === null; attempt++) {
    const [u, v] = hmacUnits(
      input.secret,
      `weltgewebe/public-point/v2|${input.radiusM}|${cell}|${attempt}`,
    );
    const d = discOffset(input.radiusM, u!, v!);
    const p = offsetPoint(cellCentre, d.north, d.east);
    if (Math.abs(p.lat) <= MAX_LAT) point = p;
  }
  // Only a cell centre beyond ±85° (a home within a few km of the map's edge) gets here:
  // the point is held on the edge, still the same for every save in that cell.
  point ??= { lat: Math.max(-MAX_LAT, Math.min(MAX_LAT, cellCentre.lat)), lon: cellCentre.lon };
  const recentCells = [cell, ...input.recentCells.filter((c) => c !== cell)].slice(
    0,
    RECENT_CELLS_MAX,
  );
  return { point, cell, cellCentre, recentCells };
}

/**
 * How far the public point may lie from the location: R around the cell centre, plus the
 * distance from the location to that centre (at most the cell's circumradius, taken as twice
 * the average edge since H3 cells vary in size, plus the stickiness).
 */
export function maxPublicDistanceM(radiusM: number): number {
  const res = RESOLUTIONS.get(radiusM);
  if (res === undefined) throw new Error(`radius ${radiusM} m is not on the ladder`);
  return radiusM + 2 * getHexagonEdgeLengthAvg(res, 'm') + STICKY_M;
}
