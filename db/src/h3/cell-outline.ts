// The outline of an H3 cell as the rollups store it (h3_rollups.boundary), for the hex-rollup
// worker and the bulk seed alike. Pure: no connection.
import { cellToBoundary, cellToLatLng } from 'h3-js';

/** The cell's outline as WKT (EPSG:4326); one across the antimeridian keeps to its centre's side. */
export function cellOutlineWkt(cell: string | bigint): string {
  const h3 = BigInt(cell).toString(16);
  const ring = cellToBoundary(h3, true);
  const lons = ring.map(([lon]) => lon);
  if (Math.max(...lons) - Math.min(...lons) > 180) {
    const east = cellToLatLng(h3)[1] >= 0;
    for (const p of ring) {
      if (east && p[0] < 0) p[0] = 180;
      if (!east && p[0] > 0) p[0] = -180;
    }
  }
  return `POLYGON((${ring.map(([lon, lat]) => `${lon} ${lat}`).join(',')}))`;
}
