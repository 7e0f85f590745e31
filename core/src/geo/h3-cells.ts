// H3 cells of a point at the resolutions the rollups use, as bigint for storage.
import { H3_RESOLUTIONS } from '@weltgewebe/db/schema';
import { latLngToCell } from 'h3-js';

export type H3Cells = Record<`r${(typeof H3_RESOLUTIONS)[number]}`, bigint>;

export function h3ToBigint(cell: string): bigint {
  return BigInt(`0x${cell}`);
}

export function cellsOf(lat: number, lon: number): H3Cells {
  const out = {} as H3Cells;
  for (const res of H3_RESOLUTIONS) out[`r${res}`] = h3ToBigint(latLngToCell(lat, lon, res));
  return out;
}
