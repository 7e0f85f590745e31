// The map's style: a self-hosted basemap (vector tiles from the edge when they carry data,
// else the GeoJSON countries from our own server), weavery areas, H3 rollups, threads that
// fade with their strength, Garnrollen and Knoten. Light and dark palettes. No glyphs or
// sprites are fetched: every icon and label is drawn on a canvas (map-icons.ts) when MapLibre
// asks for a missing image, so the map talks to no host but its own.
import type {
  ExpressionSpecification,
  FilterSpecification,
  LayerSpecification,
  SourceSpecification,
  StyleSpecification,
} from 'maplibre-gl';
import { nodeKindColors, nodeKinds, nodeTopicColors, nodeTopics } from '$lib/nodes/node-kinds';
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

// The spec's tuple types cannot express a spread of label/value pairs, hence the casts.
const matchKind = (fallback: string) =>
  [
    'match',
    ['get', 'kind'],
    ...nodeKinds.flatMap((kind) => [kind, nodeKindColors[kind]]),
    fallback,
  ] as unknown as ExpressionSpecification;

const firstTopic = [
  'slice',
  ['concat', ['coalesce', ['get', 'topics'], ''], ','],
  0,
  ['index-of', ',', ['concat', ['coalesce', ['get', 'topics'], ''], ',']],
] as unknown as ExpressionSpecification;

const topicRing = (fallback: string) =>
  [
    'match',
    firstTopic,
    ...nodeTopics.flatMap((topic) => [topic, nodeTopicColors[topic]]),
    fallback,
  ] as unknown as ExpressionSpecification;

const isCluster: FilterSpecification = ['==', ['get', 'cluster'], true];
const isPoint: FilterSpecification = ['!=', ['get', 'cluster'], true];

function basemapLayers(p: Palette, vector: boolean): LayerSpecification[] {
  const source = 'basemap';
  const layer = vector ? { 'source-layer': 'basemap' } : {};
  const layers: LayerSpecification[] = [
    { id: 'water', type: 'background', paint: { 'background-color': p.water } },
    {
      id: layerIds.land,
      type: 'fill',
      source,
      ...layer,
      filter: ['==', ['get', 'kind'], 'land'],
      paint: { 'fill-color': p.land },
    },
  ];
  if (vector) {
    layers.push({
      id: 'lakes',
      type: 'fill',
      source,
      ...layer,
      filter: ['==', ['get', 'kind'], 'water'],
      paint: { 'fill-color': p.water },
    });
  } else {
    layers.push({
      id: 'coast',
      type: 'line',
      source,
      filter: ['==', ['get', 'kind'], 'land'],
      paint: {
        'line-color': p.coast,
        'line-width': ['interpolate', ['linear'], ['zoom'], 2, 0.4, 8, 1],
      },
    });
  }
  layers.push({
    id: 'borders',
    type: 'line',
    source,
    ...layer,
    filter: ['==', ['get', 'kind'], 'border'],
    paint: {
      'line-color': p.border,
      'line-width': ['interpolate', ['linear'], ['zoom'], 2, 0.5, 8, 1.4],
      'line-dasharray': [3, 1.5],
    },
  });
  return layers;
}

function placeLabelLayers(scheme: Scheme): LayerSpecification[] {
  return [
    {
      id: 'place-labels',
      type: 'symbol',
      source: 'basemap',
      'source-layer': 'basemap',
      filter: ['in', ['get', 'kind'], ['literal', ['place', 'country']]],
      layout: {
        'icon-image': [
          'concat',
          `label:${scheme}:`,
          [
            'case',
            ['==', ['get', 'kind'], 'country'],
            'c',
            ['>', ['get', 'population'], 500000],
            'l',
            's',
          ],
          ':',
          ['get', 'name'],
        ],
        'symbol-sort-key': ['-', 0, ['coalesce', ['get', 'population'], 10000000]],
        'icon-padding': 4,
      },
    },
  ];
}

export function buildMapStyle(options: StyleOptions): StyleSpecification {
  const { origin, scheme, capabilities, filters, tileVersion } = options;
  const p = palettes[scheme];
  const content = offeredContent(capabilities);
  const has = (name: ContentSource) => content.includes(name);

  const sources: Record<string, SourceSpecification> = {
    basemap: capabilities.vectorBasemap
      ? {
          type: 'vector',
          tiles: [`${origin}/tiles/basemap/{z}/{x}/{y}.mvt`],
          maxzoom: 12,
          attribution: 'Natural Earth, GeoNames',
        }
      : {
          type: 'geojson',
          data: `${origin}/basemap/countries.geojson`,
          attribution: 'Natural Earth',
          tolerance: 0.5,
        },
    [highlightSourceId]: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } },
    [garnPreviewSourceId]: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } },
    [weaveryLabelSourceId]: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } },
    [contentSourceId]: {
      type: 'vector',
      tiles: [tileUrl(origin, content, filters, tileVersion)],
      minzoom: 0,
      maxzoom: 16,
    },
  };
  const layers: LayerSpecification[] = basemapLayers(p, capabilities.vectorBasemap);

  if (has('weaveries')) {
    layers.push(
      {
        id: layerIds.weaveries,
        type: 'fill',
        source: contentSourceId,
        'source-layer': 'weaveries',
        paint: { 'fill-color': p.weavery, 'fill-opacity': 0.06 },
      },
      {
        id: 'weavery-outline',
        type: 'line',
        source: contentSourceId,
        'source-layer': 'weaveries',
        paint: {
          'line-color': p.weavery,
          'line-width': ['interpolate', ['linear'], ['zoom'], 4, 1, 12, 2.5],
          'line-opacity': 0.8,
        },
      },
    );
  }

  if (has('hex')) {
    layers.push({
      id: layerIds.hex,
      type: 'fill',
      source: contentSourceId,
      'source-layer': 'hex',
      maxzoom: 9,
      paint: {
        'fill-color': p.hex,
        // More nodes, denser weave; the rollups fade out as single nodes take over.
        'fill-opacity': [
          'interpolate',
          ['linear'],
          ['zoom'],
          7,
          ['interpolate', ['linear'], ['coalesce', ['get', 'nodes'], 0], 0, 0.04, 5, 0.12, 50, 0.3],
          8.8,
          0,
        ],
        'fill-outline-color': p.hex,
      },
    });
  }

  if (capabilities.vectorBasemap) layers.push(...placeLabelLayers(scheme));

  if (has('threads')) {
    layers.push({
      id: layerIds.threads,
      type: 'line',
      source: contentSourceId,
      'source-layer': 'threads',
      layout: { 'line-cap': 'round' },
      paint: {
        'line-color': p.thread,
        'line-width': ['interpolate', ['linear'], ['zoom'], 5, 0.6, 12, 1.6, 16, 3],
        // A thread fades with its remaining life (strength 1 → 0 over seven days).
        'line-opacity': [
          'interpolate',
          ['linear'],
          ['coalesce', ['get', 'strength'], 0],
          0,
          0.08,
          1,
          0.9,
        ],
      },
    });
  }

  if (has('accounts')) {
    layers.push(
      {
        id: layerIds.accountClusters,
        type: 'symbol',
        source: contentSourceId,
        'source-layer': 'accounts',
        filter: isCluster,
        layout: {
          'icon-image': ['concat', `spools:${scheme}:`, ['get', 'count_label']],
          'icon-allow-overlap': false,
        },
      },
      {
        id: layerIds.accounts,
        type: 'symbol',
        source: contentSourceId,
        'source-layer': 'accounts',
        filter: isPoint,
        layout: {
          'icon-image': `spool:${scheme}`,
          'icon-size': ['interpolate', ['linear'], ['zoom'], 9, 0.7, 15, 1],
          'icon-allow-overlap': true,
        },
      },
    );
  }

  layers.push(
    {
      id: 'highlight-halo',
      type: 'circle',
      source: highlightSourceId,
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 3, 14, 14, 24],
        'circle-color': '#fbbf24',
        'circle-opacity': 0.35,
        'circle-stroke-color': '#f59e0b',
        'circle-stroke-width': 2,
      },
    },
    {
      id: layerIds.nodeClusters,
      type: 'symbol',
      source: contentSourceId,
      'source-layer': 'nodes',
      filter: isCluster,
      layout: {
        'icon-image': ['concat', `cluster:${scheme}:`, ['to-string', ['get', 'count']]],
        // Neighbouring cells' bubbles would overlap: the bigger one is drawn, the list view has all.
        'icon-allow-overlap': false,
        'icon-padding': 0,
        'symbol-sort-key': ['-', 0, ['coalesce', ['get', 'count'], 0]],
      },
    },
    {
      id: 'node-rings',
      type: 'circle',
      source: contentSourceId,
      'source-layer': 'nodes',
      filter: isPoint,
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 9, 6, 13, 9, 17, 13],
        'circle-color': p.pointStroke,
        'circle-stroke-color': topicRing(p.pointStroke),
        'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 9, 2, 15, 3],
      },
    },
    {
      id: layerIds.nodes,
      type: 'symbol',
      source: contentSourceId,
      'source-layer': 'nodes',
      filter: isPoint,
      layout: {
        'icon-image': ['concat', 'kind:', ['get', 'kind']],
        'icon-size': ['interpolate', ['linear'], ['zoom'], 9, 0.6, 13, 0.85, 17, 1.2],
        'icon-allow-overlap': true,
      },
      paint: { 'icon-opacity': 1 },
    },
    {
      id: layerIds.selected,
      type: 'circle',
      source: contentSourceId,
      'source-layer': 'nodes',
      filter: ['==', ['get', 'id'], ''],
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 9, 11, 17, 20],
        'circle-color': 'rgba(0,0,0,0)',
        'circle-stroke-color': matchKind('#fbbf24'),
        'circle-stroke-width': 3,
      },
    },
    {
      id: 'garn-circle',
      type: 'fill',
      source: garnPreviewSourceId,
      filter: ['==', ['get', 'role'], 'circle'],
      paint: { 'fill-color': p.account, 'fill-opacity': 0.15, 'fill-outline-color': p.account },
    },
    {
      id: 'garn-circle-line',
      type: 'line',
      source: garnPreviewSourceId,
      filter: ['==', ['get', 'role'], 'circle'],
      paint: { 'line-color': p.account, 'line-width': 2, 'line-dasharray': [2, 1] },
    },
    {
      id: 'garn-points',
      type: 'circle',
      source: garnPreviewSourceId,
      filter: ['in', ['get', 'role'], ['literal', ['private', 'public']]],
      paint: {
        'circle-radius': ['match', ['get', 'role'], 'private', 5, 9],
        'circle-color': ['match', ['get', 'role'], 'private', p.label, p.account],
        'circle-stroke-color': p.pointStroke,
        'circle-stroke-width': 2,
      },
    },
  );

  // One label per weavery at its middle (from weaveries.list), not one per tile piece.
  layers.push({
    id: layerIds.weaveryLabels,
    type: 'symbol',
    source: weaveryLabelSourceId,
    minzoom: 5,
    layout: { 'icon-image': ['concat', `label:${scheme}:w:`, ['get', 'name']] },
  });

  return { version: 8, name: 'Weltgewebe', sources, layers };
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
