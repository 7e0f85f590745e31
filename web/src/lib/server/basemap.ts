// The self-hosted basemap: land and country borders from world-atlas (Natural Earth 1:50m),
// converted from TopoJSON to GeoJSON once per process and kept as plain and gzip bytes with an
// ETag. Land is the countries merged into one MultiPolygon and borders are the arcs two countries
// share, so no edge is drawn twice and the payload stays about a fifth smaller.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { FeatureCollection, Geometry, Position } from 'geojson';
import { merge, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import countriesTopoJson from 'world-atlas/countries-50m.json?raw';

export interface EncodedGeoJson {
  body: Uint8Array<ArrayBuffer>;
  gzip: Uint8Array<ArrayBuffer>;
  etag: string;
}

// The atlas is quantised to ~0.004°; three decimals lose nothing and halve the text.
const round = (value: number) => Math.round(value * 1000) / 1000;

function roundPositions<T>(coordinates: T): T {
  if (typeof coordinates === 'number') return round(coordinates) as T;
  if (Array.isArray(coordinates)) return coordinates.map(roundPositions) as T;
  return coordinates;
}

function buildBasemap(): FeatureCollection<Geometry, { kind: 'land' | 'border' }> {
  const topology = JSON.parse(countriesTopoJson) as Topology<{ countries: GeometryCollection }>;
  const countries = topology.objects.countries;
  const land = merge(topology, countries.geometries as Parameters<typeof merge>[1]);
  const borders = mesh(topology, countries, (a, b) => a !== b);
  return {
    type: 'FeatureCollection',
    features: [
      {
        type: 'Feature',
        properties: { kind: 'land' },
        geometry: {
          type: 'MultiPolygon',
          coordinates: roundPositions<Position[][][]>(land.coordinates),
        },
      },
      {
        type: 'Feature',
        properties: { kind: 'border' },
        geometry: {
          type: 'MultiLineString',
          coordinates: roundPositions<Position[][]>(borders.coordinates),
        },
      },
    ],
  };
}

let basemap: EncodedGeoJson | null = null;

export function basemapGeoJson(): EncodedGeoJson {
  if (!basemap) {
    const body = new TextEncoder().encode(JSON.stringify(buildBasemap()));
    const hash = createHash('sha256').update(body).digest('base64url').slice(0, 22);
    basemap = { body, gzip: new Uint8Array(gzipSync(body, { level: 9 })), etag: `"${hash}"` };
  }
  return basemap;
}
