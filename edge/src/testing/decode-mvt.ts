// Decodes an MVT the way a map client does, to assert on what a person would see.
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';

export interface DecodedFeature {
  layer: string;
  id: number | undefined;
  properties: Record<string, unknown>;
  /** A point's position; NaN for lines and polygons (see `geometry`). */
  lonLat: [number, number];
  /** The feature's geometry in WGS84, as GeoJSON. */
  geometry: { type: string; coordinates: unknown };
}

export function decodeTile(bytes: Uint8Array, z: number, x: number, y: number): DecodedFeature[] {
  const tile = new VectorTile(new PbfReader(bytes));
  const out: DecodedFeature[] = [];
  for (const [name, layer] of Object.entries(tile.layers)) {
    for (let i = 0; i < layer.length; i++) {
      const f = layer.feature(i);
      const geo = f.toGeoJSON(x, y, z);
      const coords =
        geo.geometry.type === 'Point'
          ? (geo.geometry.coordinates as [number, number])
          : [Number.NaN, Number.NaN];
      out.push({
        layer: name,
        id: f.id,
        properties: f.properties,
        lonLat: coords as [number, number],
        geometry: geo.geometry as { type: string; coordinates: unknown },
      });
    }
  }
  return out;
}
