// What the map's two drawings share about its look: the light and dark palettes, which tile
// sources exist and their URLs, the ids of MapLibre's layers and sources, the filters. The
// picture (map-preview.ts) and the icons (map-icons.ts) draw from these directly; the style
// MapLibre draws is built from them in maplibre-style.ts.
import type { Scheme } from '$lib/theme.svelte';

export interface Palette {
  water: string;
  land: string;
  coast: string;
  border: string;
  label: string;
  halo: string;
  weavery: string;
  hex: string;
  thread: string;
  cluster: string;
  clusterText: string;
  account: string;
  pointStroke: string;
  /** OpenStreetMap layers (city zooms). */
  park: string;
  forest: string;
  builtUp: string;
  building: string;
  buildingLine: string;
  roadMajor: string;
  roadMinor: string;
  roadCasing: string;
  path: string;
  rail: string;
  roadLabel: string;
  waterLabel: string;
}

export const palettes: Record<Scheme, Palette> = {
  light: {
    water: '#a9cbe0',
    land: '#f4f1e8',
    coast: '#86a9bf',
    border: '#b3a68e',
    label: '#334155',
    halo: '#f8fafc',
    weavery: '#7c3aed',
    hex: '#1e293b',
    thread: '#d97706',
    cluster: '#1e293b',
    clusterText: '#ffffff',
    account: '#b45309',
    pointStroke: '#ffffff',
    park: '#cfe8c0',
    forest: '#b9d9a8',
    builtUp: '#ece8de',
    building: '#dcd6ca',
    buildingLine: '#c8c0b0',
    roadMajor: '#fde7a8',
    roadMinor: '#ffffff',
    roadCasing: '#cbbfa8',
    path: '#a8a29e',
    rail: '#9ca3af',
    roadLabel: '#3f3f46',
    waterLabel: '#2b6a94',
  },
  dark: {
    water: '#0b1726',
    land: '#1c2733',
    coast: '#2f4a63',
    border: '#52606f',
    label: '#cbd5e1',
    halo: '#0b1726',
    weavery: '#c4b5fd',
    hex: '#fbbf24',
    thread: '#fbbf24',
    cluster: '#f8fafc',
    clusterText: '#0f172a',
    account: '#fbbf24',
    pointStroke: '#0f172a',
    park: '#1d3326',
    forest: '#1a3123',
    builtUp: '#202c38',
    building: '#2b3846',
    buildingLine: '#364556',
    roadMajor: '#5b4a2a',
    roadMinor: '#3a4a5c',
    roadCasing: '#111a24',
    path: '#5b6b7d',
    rail: '#6b7280',
    roadLabel: '#dbe3ec',
    waterLabel: '#7fb2d9',
  },
};

/** The basemap source's highest zoom (overzoomed beyond; house numbers come with z16). */
export const basemapMaxZoom = 16;
/** MapLibre's and the picture's attribution of the vector basemap. */
export const basemapAttribution = 'Natural Earth, GeoNames, © OpenStreetMap contributors';
/** The self-hosted glyphs (web/src/routes/glyphs) for text along lines. */
export const glyphFont = 'DejaVuSans';

export type RoadClass =
  | 'motorway'
  | 'trunk'
  | 'primary'
  | 'secondary'
  | 'tertiary'
  | 'minor'
  | 'pedestrian'
  | 'service'
  | 'track'
  | 'path'
  | 'rail'
  | 'subway'
  | 'tram';

/** A road class's line width in CSS px at z12 and z18 (interpolated exponentially between). */
export const roadWidths: Record<RoadClass, [number, number]> = {
  motorway: [2.2, 22],
  trunk: [2, 20],
  primary: [1.8, 18],
  secondary: [1.5, 16],
  tertiary: [1.2, 14],
  minor: [0.6, 11],
  pedestrian: [0.5, 8],
  service: [0.3, 6],
  track: [0.3, 3],
  path: [0.4, 2.5],
  rail: [0.6, 2.5],
  subway: [0.4, 2],
  tram: [0.4, 2],
};
export const majorRoads: RoadClass[] = ['motorway', 'trunk', 'primary', 'secondary', 'tertiary'];
export const lineRoads: RoadClass[] = ['path', 'track', 'rail', 'subway', 'tram'];

/** Width of a road class at `zoom` (base-1.5 exponential between z12 and z18). */
export function roadWidthAt(cls: string, zoom: number): number {
  const [a, b] = roadWidths[cls as RoadClass] ?? roadWidths.minor;
  const t = Math.max(0, Math.min(1, (1.5 ** (zoom - 12) - 1) / (1.5 ** 6 - 1)));
  return a + (b - a) * t;
}

/** Land use classes drawn green, and which built-up. */
export const greenClasses = ['park', 'grass', 'pitch', 'cemetery', 'allotments'];
export const forestClasses = ['forest', 'wetland'];
export const builtUpClasses = ['residential', 'commercial', 'industrial', 'education', 'hospital'];

/** Tile sources the edge offers (from /tiles/catalog), and whether the basemap has data. */
export interface MapCapabilities {
  sources: ReadonlySet<string>;
  vectorBasemap: boolean;
}

export interface MapFilters {
  kinds: string[];
  topics: string[];
}

export interface StyleOptions {
  origin: string;
  scheme: Scheme;
  capabilities: MapCapabilities;
  filters: MapFilters;
  /** A cache buster bumped after writes (the browser may hold tiles from before). */
  tileVersion: string;
}

export const layerIds = {
  nodes: 'nodes',
  nodeClusters: 'node-clusters',
  accounts: 'accounts',
  accountClusters: 'account-clusters',
  threads: 'threads',
  weaveries: 'weavery-fill',
  weaveryLabels: 'weavery-labels',
  hex: 'hex',
  land: 'land',
  selected: 'selected',
} as const;

export const highlightSourceId = 'highlight';
export const weaveryLabelSourceId = 'weavery-labels';
export const garnPreviewSourceId = 'garn-preview';

/** The edge's sources of the map's own content, all fetched as one composite tile. */
export const contentSources = ['weaveries', 'hex', 'threads', 'accounts', 'nodes'] as const;
export type ContentSource = (typeof contentSources)[number];
/** The one MapLibre source of all content layers (one request per tile instead of five). */
export const contentSourceId = 'gewebe';

/** Which content sources the edge offers, in a stable order (the composite's path). */
export function offeredContent(capabilities: MapCapabilities): ContentSource[] {
  return contentSources.filter((name) => name === 'nodes' || capabilities.sources.has(name));
}

export function tileUrl(
  origin: string,
  sources: readonly string[],
  filters: MapFilters,
  version: string,
): string {
  const params = new URLSearchParams();
  if (filters.kinds.length) params.set('kinds', [...filters.kinds].sort().join(','));
  if (filters.topics.length) params.set('topics', [...filters.topics].sort().join(','));
  params.set('v', version);
  // Commas stay readable (the edge splits on them; encoded or not is the same to it).
  const query = params.toString().replace(/%2C/g, ',');
  return `${origin}/tiles/${sources.join(',')}/{z}/{x}/{y}.mvt?${query}`;
}

/** A circle of `radiusM` metres around a point as a GeoJSON polygon (for the Garnrolle preview). */
export function circlePolygon(lat: number, lon: number, radiusM: number, steps = 64): number[][] {
  const ring: number[][] = [];
  const dLat = radiusM / 111_320;
  const dLon = radiusM / (111_320 * Math.cos((lat * Math.PI) / 180));
  for (let i = 0; i <= steps; i += 1) {
    const angle = (i / steps) * 2 * Math.PI;
    ring.push([lon + dLon * Math.cos(angle), lat + dLat * Math.sin(angle)]);
  }
  return ring;
}
