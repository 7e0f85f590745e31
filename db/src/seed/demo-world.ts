// The small demo world: German cities with their populations, weavery outlines for Hamburg
// and Berlin, and a deterministic pseudo-random generator so every run is the same.
import type { NodeKind, Topic } from '@weltgewebe/events/domain';

export interface City {
  name: string;
  lat: number;
  lon: number;
  population: number;
}

export const GERMAN_CITIES: City[] = [
  { name: 'Berlin', lat: 52.52, lon: 13.405, population: 3_755_251 },
  { name: 'Hamburg', lat: 53.5511, lon: 9.9937, population: 1_892_122 },
  { name: 'München', lat: 48.1374, lon: 11.5755, population: 1_512_491 },
  { name: 'Köln', lat: 50.9375, lon: 6.9603, population: 1_084_831 },
  { name: 'Frankfurt am Main', lat: 50.1109, lon: 8.6821, population: 773_068 },
  { name: 'Stuttgart', lat: 48.7758, lon: 9.1829, population: 633_484 },
  { name: 'Düsseldorf', lat: 51.2277, lon: 6.7735, population: 631_217 },
  { name: 'Leipzig', lat: 51.3397, lon: 12.3731, population: 619_879 },
  { name: 'Dortmund', lat: 51.5136, lon: 7.4653, population: 595_471 },
  { name: 'Essen', lat: 51.4556, lon: 7.0116, population: 584_580 },
  { name: 'Bremen', lat: 53.0793, lon: 8.8017, population: 569_352 },
  { name: 'Dresden', lat: 51.0504, lon: 13.7373, population: 563_311 },
  { name: 'Hannover', lat: 52.3759, lon: 9.732, population: 545_045 },
  { name: 'Nürnberg', lat: 49.4521, lon: 11.0767, population: 523_026 },
  { name: 'Freiburg im Breisgau', lat: 47.999, lon: 7.8421, population: 236_140 },
  { name: 'Kiel', lat: 54.3233, lon: 10.1228, population: 248_873 },
  { name: 'Rostock', lat: 54.0924, lon: 12.0991, population: 209_920 },
  { name: 'Göttingen', lat: 51.5413, lon: 9.9158, population: 118_911 },
];

/** Rough outlines (lon, lat rings) of two weaveries; enough for the demo, not official borders. */
export const DEMO_WEAVERIES = [
  {
    slug: 'hamburg',
    name: 'Ortsweberei Hamburg',
    ring: [
      [9.73, 53.45],
      [9.85, 53.4],
      [10.05, 53.39],
      [10.25, 53.43],
      [10.33, 53.55],
      [10.2, 53.72],
      [10.0, 53.74],
      [9.8, 53.68],
      [9.73, 53.58],
      [9.73, 53.45],
    ],
  },
  {
    slug: 'berlin',
    name: 'Ortsweberei Berlin',
    ring: [
      [13.09, 52.42],
      [13.25, 52.35],
      [13.5, 52.34],
      [13.72, 52.4],
      [13.76, 52.52],
      [13.65, 52.64],
      [13.4, 52.68],
      [13.18, 52.64],
      [13.1, 52.54],
      [13.09, 52.42],
    ],
  },
] as const;

export const DEMO_TITLES: Record<NodeKind, string[]> = {
  place: [
    'Gemeinschaftsgarten',
    'Nachbarschaftstreff',
    'Offene Werkstatt',
    'Stadtteilbibliothek',
    'Bolzplatz',
  ],
  resource: [
    'Lastenrad',
    'Bohrmaschine zum Leihen',
    'Tauschregal',
    'Foodsharing-Fairteiler',
    'Nähmaschine',
  ],
  project: ['Repair-Café', 'Solarinitiative', 'Lernpatenschaften', 'Kiezchor', 'Baumpatenschaft'],
  event: ['Flohmarkt', 'Pflanzentausch', 'Nachbarschaftsfest', 'Kleidertausch', 'Putzaktion'],
};

export const DEMO_TOPICS: Record<NodeKind, Topic[]> = {
  place: ['nature', 'neighbourhood'],
  resource: ['mobility', 'craft'],
  project: ['energy', 'participation'],
  event: ['neighbourhood', 'art'],
};

/** mulberry32: small, fast, deterministic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
