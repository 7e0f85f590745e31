// The style MapLibre draws: a self-hosted basemap (vector tiles from the edge when they carry
// data, else the GeoJSON countries from our own server), weavery areas, H3 rollups, threads that
// fade with their strength, Garnrollen and Knoten, light or dark. City zooms draw the
// OpenStreetMap layers of the basemap: land use, water, rivers, buildings, roads by class
// (casing + fill) with names along them. Text along lines needs glyphs: they come from our own
// host (/glyphs, DejaVu Sans SDFs); every icon and point label is drawn on a canvas
// (map-icons.ts) when MapLibre asks for a missing image, so the map talks to no host but its own. Only live-map.ts imports this, so it
// travels in MapLibre's lazy chunk; what the picture shares with it is in map-style.ts.
import type {
  ExpressionSpecification,
  FilterSpecification,
  LayerSpecification,
  SourceSpecification,
  StyleSpecification,
} from 'maplibre-gl';
import { nodeKindColors, nodeKinds, nodeTopicColors, nodeTopics } from '$lib/nodes/node-kinds';
import type { Scheme } from '$lib/theme.svelte';
import {
  basemapAttribution,
  basemapMaxZoom,
  builtUpClasses,
  type ContentSource,
  contentSourceId,
  forestClasses,
  garnPreviewSourceId,
  glyphFont,
  greenClasses,
  highlightSourceId,
  layerIds,
  lineRoads,
  majorRoads,
  offeredContent,
  type Palette,
  palettes,
  type RoadClass,
  roadWidths,
  type StyleOptions,
  tileUrl,
  weaveryLabelSourceId,
} from './map-style';

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
  if (vector) layers.push(...osmLayers(p));
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

const isKind = (kind: string): FilterSpecification => ['==', ['get', 'kind'], kind];
const classIn = (classes: readonly string[]): FilterSpecification =>
  ['in', ['get', 'class'], ['literal', classes]] as FilterSpecification;
/** A road class's width, exponential from z12 to z18 (so streets widen like real ones). */
const roadWidth = (extra = 0) =>
  [
    'interpolate',
    ['exponential', 1.5],
    ['zoom'],
    12,
    [
      'match',
      ['get', 'class'],
      ...Object.entries(roadWidths).flatMap(([c, w]) => [c, w[0] + extra * 0.3]),
      roadWidths.minor[0],
    ],
    18,
    [
      'match',
      ['get', 'class'],
      ...Object.entries(roadWidths).flatMap(([c, w]) => [c, w[1] + extra]),
      roadWidths.minor[1],
    ],
  ] as unknown as ExpressionSpecification;

/** OpenStreetMap layers of the basemap, bottom to top (the edge sends them from z5). */
function osmLayers(p: Palette): LayerSpecification[] {
  const base = { source: 'basemap', 'source-layer': 'basemap' } as const;
  const streets: FilterSpecification = [
    'all',
    isKind('road'),
    ['!', classIn(lineRoads)],
  ] as FilterSpecification;
  return [
    {
      id: 'osm-landuse',
      type: 'fill',
      ...base,
      filter: ['all', isKind('landuse'), ['!', classIn(['farmland'])]] as FilterSpecification,
      paint: {
        'fill-color': [
          'case',
          classIn(forestClasses),
          p.forest,
          classIn(greenClasses),
          p.park,
          classIn(builtUpClasses),
          p.builtUp,
          p.park,
        ] as unknown as ExpressionSpecification,
      },
    },
    {
      id: 'osm-water',
      type: 'fill',
      ...base,
      filter: isKind('water_area'),
      paint: { 'fill-color': p.water },
    },
    {
      id: 'osm-waterways',
      type: 'line',
      ...base,
      filter: isKind('waterway'),
      paint: {
        'line-color': p.water,
        'line-width': [
          'interpolate',
          ['exponential', 1.4],
          ['zoom'],
          8,
          0.8,
          18,
          ['match', ['get', 'class'], 'river', 16, 'canal', 10, 3],
        ],
      },
      layout: { 'line-cap': 'round', 'line-join': 'round' },
    },
    {
      id: 'osm-buildings',
      type: 'fill',
      ...base,
      minzoom: 13,
      filter: isKind('building'),
      paint: {
        'fill-color': p.building,
        'fill-outline-color': p.buildingLine,
        'fill-opacity': ['interpolate', ['linear'], ['zoom'], 13, 0.4, 15, 1],
      },
    },
    {
      id: 'osm-road-casing',
      type: 'line',
      ...base,
      minzoom: 12,
      filter: streets,
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': p.roadCasing,
        'line-width': roadWidth(2),
        'line-opacity': ['case', ['==', ['get', 'tunnel'], true], 0.4, 1],
      },
    },
    {
      id: 'osm-paths',
      type: 'line',
      ...base,
      filter: ['all', isKind('road'), classIn(['path', 'track'])] as FilterSpecification,
      paint: { 'line-color': p.path, 'line-width': roadWidth(), 'line-dasharray': [2, 1] },
    },
    {
      id: 'osm-rail',
      type: 'line',
      ...base,
      filter: ['all', isKind('road'), classIn(['rail', 'subway', 'tram'])] as FilterSpecification,
      paint: { 'line-color': p.rail, 'line-width': roadWidth() },
    },
    {
      id: 'osm-roads',
      type: 'line',
      ...base,
      filter: streets,
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': [
          'case',
          classIn(majorRoads as RoadClass[]),
          p.roadMajor,
          p.roadMinor,
        ] as unknown as ExpressionSpecification,
        'line-width': roadWidth(),
      },
    },
  ];
}

/** Names along streets and rivers, house numbers, POI and locality names: glyph text. */
function osmLabelLayers(p: Palette): LayerSpecification[] {
  const base = { source: 'basemap', 'source-layer': 'basemap' } as const;
  const text = { 'text-font': [glyphFont], 'text-max-angle': 30 };
  const halo = { 'text-halo-color': p.halo, 'text-halo-width': 1.4 } as const;
  return [
    {
      id: 'osm-waterway-names',
      type: 'symbol',
      ...base,
      minzoom: 12,
      filter: ['all', isKind('waterway'), ['has', 'name']] as FilterSpecification,
      layout: {
        ...text,
        'symbol-placement': 'line',
        'text-field': ['get', 'name'],
        'text-size': 12,
        'text-letter-spacing': 0.1,
      },
      paint: { 'text-color': p.waterLabel, ...halo },
    },
    {
      id: 'osm-street-names',
      type: 'symbol',
      ...base,
      minzoom: 13,
      filter: [
        'all',
        isKind('road'),
        ['has', 'name'],
        ['!', classIn(['rail', 'subway', 'tram'])],
      ] as FilterSpecification,
      layout: {
        ...text,
        'symbol-placement': 'line',
        'text-field': ['get', 'name'],
        'text-size': ['interpolate', ['linear'], ['zoom'], 13, 10, 18, 14],
        'symbol-spacing': 300,
        'text-padding': 2,
      },
      paint: { 'text-color': p.roadLabel, ...halo },
    },
    {
      id: 'osm-housenumbers',
      type: 'symbol',
      ...base,
      minzoom: 17,
      filter: isKind('housenumber'),
      layout: { ...text, 'text-field': ['get', 'housenumber'], 'text-size': 10 },
      paint: {
        'text-color': p.roadLabel,
        'text-halo-color': p.halo,
        'text-halo-width': 1,
        'text-opacity': 0.8,
      },
    },
    {
      id: 'osm-labels',
      type: 'symbol',
      ...base,
      filter: ['in', ['get', 'kind'], ['literal', ['poi', 'locality']]] as FilterSpecification,
      layout: {
        ...text,
        'text-field': ['get', 'name'],
        'text-size': ['case', ['==', ['get', 'kind'], 'locality'], 13, 11],
        'text-max-width': 8,
        'text-optional': true,
      },
      paint: { 'text-color': p.label, ...halo },
    },
  ];
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
          maxzoom: basemapMaxZoom,
          attribution: basemapAttribution,
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

  if (capabilities.vectorBasemap) layers.push(...osmLabelLayers(p), ...placeLabelLayers(scheme));

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

  return {
    version: 8,
    name: 'Weltgewebe',
    // Only the vector basemap has text layers; the glyphs come from our own host.
    ...(capabilities.vectorBasemap ? { glyphs: `${origin}/glyphs/{fontstack}/{range}.pbf` } : {}),
    sources,
    layers,
  };
}
