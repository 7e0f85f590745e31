// The public point of a Garnrolle in radius mode: one point drawn uniformly over the disc
// of radius R around the private location, with cryptographic randomness.
import type { LatLon } from '@weltgewebe/db/dto';

// WGS84, so distances measured on the ellipsoid (PostGIS geography) stay within R.
const SEMI_MAJOR_M = 6_378_137;
const ECCENTRICITY_SQ = 6.694_379_990_14e-3;
// A hair (0.01 %) inside R, so the local-plane approximation never lands a point past the rim.
const RIM_MARGIN = 1 - 1e-4;
const MAX_LAT = 85;

/** A uniform number in [0, 1) with 53 random bits from crypto.getRandomValues. */
export function cryptoUnit(): number {
  const words = crypto.getRandomValues(new Uint32Array(2));
  return (words[0]! * 2 ** 21 + (words[1]! >>> 11)) / 2 ** 53;
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

/**
 * r = R·√u, θ = 2πv. Draws that leave the map's latitude band (only possible within R of
 * ±85°) are drawn again, which keeps the result uniform over the part of the disc on the map.
 */
export function drawPublicPoint(
  location: LatLon,
  radiusM: number,
  unit: () => number = cryptoUnit,
): LatLon {
  for (let attempt = 0; attempt < 64; attempt++) {
    const r = radiusM * RIM_MARGIN * Math.sqrt(unit());
    const theta = 2 * Math.PI * unit();
    const p = offsetPoint(location, r * Math.cos(theta), r * Math.sin(theta));
    if (Math.abs(p.lat) <= MAX_LAT) return p;
  }
  throw new Error('no public point on the map within the radius');
}
