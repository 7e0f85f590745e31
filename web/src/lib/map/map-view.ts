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

/** What the map lists as on screen (the list view). */
export interface VisibleNode {
  id: string;
  kind: string;
  title: string;
  topics: string[];
  lat: number;
  lon: number;
}
/** A node feature's properties (as tiles carry them) as a list entry. */
export function visibleNodeOf(
  id: string,
  props: Record<string, unknown>,
  point: MapPoint,
): VisibleNode {
  return {
    id,
    kind: String(props.kind ?? ''),
    title: String(props.title ?? ''),
    topics: String(props.topics ?? '')
      .split(',')
      .filter(Boolean),
    lat: point.lat,
    lon: point.lon,
  };
}

export interface VisibleCluster {
  key: string;
  count: number;
  lat: number;
  lon: number;
}

// Web Mercator as MapLibre draws it: the world is 512 CSS pixels wide at zoom 0.
export const tilePixels = 512;
const maxLat = 85.051129;

/** A point's position in world pixels at a zoom. */
export function worldPixel(point: MapPoint, zoom: number): { x: number; y: number } {
  const size = tilePixels * 2 ** zoom;
  const lat = Math.max(-maxLat, Math.min(maxLat, point.lat));
  const sin = Math.sin((lat * Math.PI) / 180);
  return {
    x: ((point.lon + 180) / 360) * size,
    y: (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * size,
  };
}

/** The point at world pixels (x, y) at a zoom (longitude wrapped into −180…180). */
export function pointAtWorldPixel(x: number, y: number, zoom: number): MapPoint {
  const size = tilePixels * 2 ** zoom;
  const lon = (x / size) * 360 - 180;
  const n = Math.PI - (2 * Math.PI * y) / size;
  const lat = (180 / Math.PI) * Math.atan(Math.sinh(n));
  return { lat: Math.max(-maxLat, Math.min(maxLat, lat)), lon: wrapLon(lon) };
}

/** A camera on a screen of `width` × `height` CSS pixels. */
export interface Camera extends MapView {
  width: number;
  height: number;
}

/** The screen position of a point for a camera. */
export function screenPixel(camera: Camera, point: MapPoint): { x: number; y: number } {
  const c = worldPixel(camera, camera.zoom);
  const p = worldPixel(point, camera.zoom);
  const size = tilePixels * 2 ** camera.zoom;
  // The copy of the world nearest the centre (the map repeats sideways).
  let dx = p.x - c.x;
  if (dx > size / 2) dx -= size;
  if (dx < -size / 2) dx += size;
  return { x: dx + camera.width / 2, y: p.y - c.y + camera.height / 2 };
}

/** The point under a screen position for a camera. */
export function pointAtScreen(camera: Camera, x: number, y: number): MapPoint {
  const c = worldPixel(camera, camera.zoom);
  return pointAtWorldPixel(c.x + x - camera.width / 2, c.y + y - camera.height / 2, camera.zoom);
}

/** The box a camera shows (the whole width of the world when it shows more than one). */
export function cameraBounds(camera: Camera): BBox {
  const nw = pointAtScreen(camera, 0, 0);
  const se = pointAtScreen(camera, camera.width, camera.height);
  const wide = camera.width >= tilePixels * 2 ** camera.zoom;
  return {
    west: wide ? -180 : nw.lon,
    south: se.lat,
    east: wide ? 180 : se.lon,
    north: nw.lat,
  };
}

export interface TileAddress {
  z: number;
  /** Column as drawn (may lie outside 0…2^z−1 where the world repeats). */
  x: number;
  /** Column as fetched (wrapped). */
  wrappedX: number;
  y: number;
}

/** The tiles of a source (up to `maxZoom`) that cover a camera, as MapLibre picks them. */
export function coveringTiles(camera: Camera, maxZoom: number): TileAddress[] {
  const z = Math.max(0, Math.min(maxZoom, Math.floor(camera.zoom)));
  const n = 2 ** z;
  const span = tilePixels * 2 ** (camera.zoom - z);
  const c = worldPixel(camera, camera.zoom);
  const x0 = Math.floor((c.x - camera.width / 2) / span);
  const x1 = Math.floor((c.x + camera.width / 2) / span);
  const y0 = Math.max(0, Math.floor((c.y - camera.height / 2) / span));
  const y1 = Math.min(n - 1, Math.floor((c.y + camera.height / 2) / span));
  const tiles: TileAddress[] = [];
  for (let x = x0; x <= x1; x += 1) {
    for (let y = y0; y <= y1; y += 1) tiles.push({ z, x, wrappedX: ((x % n) + n) % n, y });
  }
  return tiles;
}
