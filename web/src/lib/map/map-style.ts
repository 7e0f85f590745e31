// The map's style: a self-hosted basemap (water background, country polygons from our own
// endpoint) and the nodes vector tiles from the edge. No glyphs or sprites, so MapLibre makes
// no request to any other host.
import type { ExpressionSpecification, StyleSpecification } from 'maplibre-gl';
import { nodeKindColors, nodeKinds } from '$lib/nodes/node-kinds';

export const mapColors = {
  water: '#a9cbe0',
  land: '#f4f1e8',
  coast: '#86a9bf',
  border: '#b3a68e',
} as const;

export const nodesSourceId = 'nodes';
export const nodesLayerId = 'nodes';
export const highlightSourceId = 'highlight';

export function nodeTileUrl(origin: string, tileVersion: string): string {
  return `${origin}/tiles/nodes/{z}/{x}/{y}.mvt?v=${encodeURIComponent(tileVersion)}`;
}

// The spec's tuple type cannot express a spread of label/value pairs, hence the cast.
const kindColor = [
  'match',
  ['get', 'kind'],
  ...nodeKinds.flatMap((kind) => [kind, nodeKindColors[kind]]),
  '#475569',
] as unknown as ExpressionSpecification;

export function buildMapStyle(origin: string, tileVersion: string): StyleSpecification {
  return {
    version: 8,
    name: 'Weltgewebe',
    sources: {
      basemap: {
        type: 'geojson',
        data: `${origin}/basemap/countries.geojson`,
        attribution: 'Natural Earth',
        tolerance: 0.5,
      },
      [nodesSourceId]: {
        type: 'vector',
        tiles: [nodeTileUrl(origin, tileVersion)],
        minzoom: 0,
        maxzoom: 16,
      },
      [highlightSourceId]: {
        type: 'geojson',
        data: { type: 'FeatureCollection', features: [] },
      },
    },
    layers: [
      { id: 'water', type: 'background', paint: { 'background-color': mapColors.water } },
      {
        id: 'land',
        type: 'fill',
        source: 'basemap',
        filter: ['==', ['get', 'kind'], 'land'],
        paint: { 'fill-color': mapColors.land },
      },
      {
        id: 'coast',
        type: 'line',
        source: 'basemap',
        filter: ['==', ['get', 'kind'], 'land'],
        paint: {
          'line-color': mapColors.coast,
          'line-width': ['interpolate', ['linear'], ['zoom'], 2, 0.4, 8, 1],
        },
      },
      {
        id: 'borders',
        type: 'line',
        source: 'basemap',
        filter: ['==', ['get', 'kind'], 'border'],
        paint: {
          'line-color': mapColors.border,
          'line-width': ['interpolate', ['linear'], ['zoom'], 2, 0.5, 8, 1.4],
          'line-dasharray': [3, 1.5],
        },
      },
      {
        id: 'highlight-halo',
        type: 'circle',
        source: highlightSourceId,
        paint: {
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 3, 12, 14, 22],
          'circle-color': '#fbbf24',
          'circle-opacity': 0.35,
          'circle-stroke-color': '#f59e0b',
          'circle-stroke-width': 2,
        },
      },
      {
        id: nodesLayerId,
        type: 'circle',
        source: nodesSourceId,
        'source-layer': 'nodes',
        paint: {
          'circle-color': kindColor,
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 3, 3, 8, 5, 13, 7, 17, 11],
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 3, 1, 13, 2],
        },
      },
    ],
  };
}
