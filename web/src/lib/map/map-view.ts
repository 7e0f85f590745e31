// The map's view in the URL hash: #zoom/lat/lon, the format MapLibre's own hash option writes.
export interface MapView {
  zoom: number;
  lat: number;
  lon: number;
}

export const germany: MapView = { zoom: 5.5, lat: 51.2, lon: 10.4 };

export function parseViewHash(hash: string): MapView | null {
  const parts = hash.replace(/^#/, '').split('/');
  if (parts.length < 3) return null;
  const [zoom, lat, lon] = parts.slice(0, 3).map(Number);
  if (zoom === undefined || lat === undefined || lon === undefined) return null;
  if (![zoom, lat, lon].every(Number.isFinite)) return null;
  if (zoom < 0 || zoom > 22 || Math.abs(lat) > 85.06 || Math.abs(lon) > 180) return null;
  return { zoom, lat, lon };
}

export function formatViewHash({ zoom, lat, lon }: MapView): string {
  // Enough decimals to address a screen pixel at this zoom, no more.
  const digits = Math.max(0, Math.ceil(Math.log10((2 ** zoom * 512) / 360)));
  return `#${zoom.toFixed(2)}/${lat.toFixed(digits)}/${lon.toFixed(digits)}`;
}

export interface MapPoint {
  lat: number;
  lon: number;
}

export interface BBox {
  west: number;
  south: number;
  east: number;
  north: number;
}

/** A box grown by `factor` of its size on each side, clamped to what the edge accepts. */
export function grownBox(box: BBox, factor: number): BBox {
  const width = box.east - box.west;
  const height = box.north - box.south;
  if (width >= 360 / (1 + 2 * factor))
    return {
      west: -180,
      south: clampLat(box.south - height * factor),
      east: 180,
      north: clampLat(box.north + height * factor),
    };
  return {
    west: wrapLon(box.west - width * factor),
    south: clampLat(box.south - height * factor),
    east: wrapLon(box.east + width * factor),
    north: clampLat(box.north + height * factor),
  };
}

/** Whether `inner` lies inside `outer` (boxes may cross the antimeridian: west > east). */
export function boxCovers(outer: BBox, inner: BBox): boolean {
  if (inner.south < outer.south || inner.north > outer.north) return false;
  const span = (b: BBox) => (b.east >= b.west ? b.east - b.west : b.east + 360 - b.west);
  if (span(outer) >= 359.99) return true;
  const offset = (lon: number) => (lon - outer.west + 360) % 360;
  return offset(inner.west) <= span(outer) && offset(inner.west) + span(inner) <= span(outer);
}

const clampLat = (lat: number) => Math.max(-85, Math.min(85, lat));
const wrapLon = (lon: number) => ((((lon + 180) % 360) + 360) % 360) - 180;
