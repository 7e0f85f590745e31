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
  },
};

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
