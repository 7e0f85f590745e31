// The public view of a Garnrolle and the one mapping that applies the privacy rule to it
// (core/README.md: a missing or invalid public point shows as not_on_map), for core and edge.
// Pure: no connection.
import type { MapState } from '@weltgewebe/events/domain';

export type { MapState };

export interface LatLon {
  lat: number;
  lon: number;
}

/** What anyone may see of a Garnrolle. */
export interface PublicAccount {
  id: string;
  displayName: string;
  mapState: MapState;
  /** The point drawn on the map; null when not on the map. */
  publicPoint: LatLon | null;
  /** The uncertainty circle around the public point, in radius mode only. */
  radiusM: number | null;
}

/** The public columns of `accounts` (public point as lat/lon); never the private location. */
export interface PublicAccountRow {
  id: string;
  display_name: string;
  map_state: MapState;
  public_lat: number | null;
  public_lon: number | null;
  radius_m: number | null;
}

const validPoint = (lat: number | null, lon: number | null): lat is number =>
  lat !== null &&
  lon !== null &&
  Number.isFinite(lat) &&
  Number.isFinite(lon) &&
  Math.abs(lat) <= 85 &&
  Math.abs(lon) <= 180;

export function toPublicAccount(r: PublicAccountRow): PublicAccount {
  const onMap = r.map_state !== 'not_on_map' && validPoint(r.public_lat, r.public_lon);
  const mapState: MapState = onMap ? r.map_state : 'not_on_map';
  return {
    id: r.id,
    displayName: r.display_name,
    mapState,
    publicPoint: onMap ? { lat: r.public_lat!, lon: r.public_lon! } : null,
    radiusM: mapState === 'radius' ? r.radius_m : null,
  };
}
