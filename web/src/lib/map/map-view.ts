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
