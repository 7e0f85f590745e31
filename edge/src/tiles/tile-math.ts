// Web-Mercator tile arithmetic: validating z/x/y and finding the tiles a box touches.
export const MAX_ZOOM = 22;
/** Features are clipped with this buffer (in tile extent units of 4096), so edges overlap. */
export const TILE_EXTENT = 4096;
export const TILE_BUFFER = 64;

export interface TileCoord {
  z: number;
  x: number;
  y: number;
}

/** Parses path parts; null when they are not a tile that exists. */
export function parseTile(z: string, x: string, y: string): TileCoord | null {
  if (!/^\d{1,2}$/.test(z) || !/^\d{1,8}$/.test(x) || !/^\d{1,8}$/.test(y)) return null;
  const tile = { z: Number(z), x: Number(x), y: Number(y) };
  const n = 2 ** tile.z;
  if (tile.z > MAX_ZOOM || tile.x >= n || tile.y >= n) return null;
  return tile;
}

/** Fractional tile position of a WGS84 point at zoom z. */
export function tileFraction(lat: number, lon: number, z: number): { fx: number; fy: number } {
  const n = 2 ** z;
  const fx = ((lon + 180) / 360) * n;
  const rad = (lat * Math.PI) / 180;
  const fy = ((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n;
  return { fx, fy };
}

/** A WGS84 box: [west, south, east, north]. A point is a box of no size. */
export type BBox = [number, number, number, number];

export interface TileRange {
  z: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

const clampLat = (lat: number) => Math.max(-85.0511287798, Math.min(85.0511287798, lat));

/**
 * The tiles at zoom z in which something inside this box is drawn, including the neighbours
 * whose buffer reaches it (`marginTiles`, in tile widths).
 */
export function tileRangeOf(bbox: BBox, z: number, marginTiles = TILE_BUFFER / TILE_EXTENT) {
  const n = 2 ** z;
  const [west, south, east, north] = bbox;
  const nw = tileFraction(clampLat(north), Math.max(-180, west), z);
  const se = tileFraction(clampLat(south), Math.min(180, east), z);
  const clamp = (v: number) => Math.max(0, Math.min(n - 1, v));
  return {
    z,
    x0: clamp(Math.floor(nw.fx - marginTiles)),
    x1: clamp(Math.floor(se.fx + marginTiles)),
    y0: clamp(Math.floor(nw.fy - marginTiles)),
    y1: clamp(Math.floor(se.fy + marginTiles)),
  } satisfies TileRange;
}

/** A box around a point reaching `km` in every direction. */
export function bboxAround(lat: number, lon: number, km: number): BBox {
  const dLat = km / 111.32;
  const dLon = km / (111.32 * Math.max(0.01, Math.cos((clampLat(lat) * Math.PI) / 180)));
  return [
    Math.max(-180, lon - dLon),
    clampLat(lat - dLat),
    Math.min(180, lon + dLon),
    clampLat(lat + dLat),
  ];
}

/** The box spanning some points. */
export function bboxOf(points: Array<{ lat: number; lon: number }>): BBox {
  const lats = points.map((p) => p.lat);
  const lons = points.map((p) => p.lon);
  return [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)];
}

/** The box grown by `km` on every side. */
export function growBBox([west, south, east, north]: BBox, km: number): BBox {
  const sw = bboxAround(south, west, km);
  const ne = bboxAround(north, east, km);
  return [sw[0], sw[1], ne[2], ne[3]];
}
