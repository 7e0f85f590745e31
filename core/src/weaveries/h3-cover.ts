// The H3 resolution-7 cover of a weavery: every cell that overlaps the area, so even an area
// smaller than a cell (no cell centre inside) is covered by the cells it touches.
import { POLYGON_TO_CELLS_FLAGS, polygonToCellsExperimental } from 'h3-js';
import { h3ToBigint } from '../geo/h3-cells.ts';
import { type AreaInput, polygonsOf } from './model.ts';

export const WEAVERY_COVER_RESOLUTION = 7;

export function coverOf(area: AreaInput): bigint[] {
  const cells = new Set<string>();
  for (const polygon of polygonsOf(area)) {
    const found = polygonToCellsExperimental(
      polygon,
      WEAVERY_COVER_RESOLUTION,
      POLYGON_TO_CELLS_FLAGS.containmentOverlapping,
      true,
    );
    for (const c of found) cells.add(c);
  }
  return [...cells].map(h3ToBigint);
}
