// Garnrolle inputs (domain.md privacy rules) and the DTOs: the public view everyone may
// see, and the owner's view that alone carries the private location.
import { z } from 'zod';

export const MAP_STATES = ['not_on_map', 'exact', 'radius'] as const;
export type MapState = (typeof MAP_STATES)[number];

export const RADIUS_MIN_M = 50;
export const RADIUS_MAX_M = 5000;
export const RADIUS_DEFAULT_M = 250;

const lat = z
  .number()
  .min(-85, 'Breite zwischen −85 und 85.')
  .max(85, 'Breite zwischen −85 und 85.');
const lon = z
  .number()
  .min(-180, 'Länge zwischen −180 und 180.')
  .max(180, 'Länge zwischen −180 und 180.');

export const setLocationInput = z.discriminatedUnion('mapState', [
  z.object({ mapState: z.literal('exact'), lat, lon }),
  z.object({
    mapState: z.literal('radius'),
    lat,
    lon,
    radiusM: z
      .number()
      .int('Der Radius ist eine ganze Zahl von Metern.')
      .min(RADIUS_MIN_M, `Radius zwischen ${RADIUS_MIN_M} und ${RADIUS_MAX_M} m.`)
      .max(RADIUS_MAX_M, `Radius zwischen ${RADIUS_MIN_M} und ${RADIUS_MAX_M} m.`)
      .default(RADIUS_DEFAULT_M),
  }),
  z.object({ mapState: z.literal('not_on_map') }),
]);

export type SetLocationInput = z.infer<typeof setLocationInput>;

export interface LatLon {
  lat: number;
  lon: number;
}

/** What anyone may see of a Garnrolle. */
export interface AccountDTO {
  id: string;
  displayName: string;
  mapState: MapState;
  /** The point drawn on the map; null when not on the map. */
  publicPoint: LatLon | null;
  /** The uncertainty circle around the public point, in radius mode only. */
  radiusM: number | null;
  version: number;
}

/** The owner's own view: the public view plus the private location. */
export interface MyAccountDTO extends AccountDTO {
  privateLocation: LatLon | null;
  createdAt: string;
}

export interface AccountRow {
  id: string;
  display_name: string;
  map_state: MapState;
  public_lat: number | null;
  public_lon: number | null;
  radius_m: number | null;
  version: number;
}

const validPoint = (lat: number | null, lon: number | null): lat is number =>
  lat !== null &&
  lon !== null &&
  Number.isFinite(lat) &&
  Number.isFinite(lon) &&
  Math.abs(lat) <= 85 &&
  Math.abs(lon) <= 180;

/** A missing or invalid public point shows as not_on_map (domain.md). */
export function toAccountDTO(r: AccountRow): AccountDTO {
  const onMap = r.map_state !== 'not_on_map' && validPoint(r.public_lat, r.public_lon);
  const mapState: MapState = onMap ? r.map_state : 'not_on_map';
  return {
    id: r.id,
    displayName: r.display_name,
    mapState,
    publicPoint: onMap ? { lat: r.public_lat!, lon: r.public_lon! } : null,
    radiusM: mapState === 'radius' ? r.radius_m : null,
    version: r.version,
  };
}
