// Source loading for the map: which tile sources the edge offers (its catalog), the version the
// content tiles are asked for (bumped after a write, a live change or a reconnect, so tiles from
// before are not taken from the browser's cache), the weaveries' names and the filter key that
// tells whether new filters need new tiles. The picture and MapLibre both draw from these.
import type { MapCapabilities, MapFilters } from './map-style';

/** The catalog's answer as the map uses it. The basemap source is offered before its data is
 * loaded; until then (`hasData: false`) the GeoJSON countries stand in. Nodes are always drawn. */
export function capabilitiesOf(catalog: unknown): MapCapabilities {
  const sources = new Set<string>(['nodes']);
  let vectorBasemap = false;
  const listed = (catalog as { sources?: unknown } | null)?.sources;
  for (const source of Array.isArray(listed) ? listed : []) {
    const { id, hasData } = (source ?? {}) as { id?: unknown; hasData?: unknown };
    if (typeof id !== 'string') continue;
    sources.add(id);
    if (id === 'basemap') vectorBasemap = hasData === true;
  }
  return { sources, vectorBasemap };
}

/** Asks the edge's `/tiles/catalog` which sources exist. */
export async function loadCapabilities(): Promise<MapCapabilities> {
  try {
    const response = await fetch('/tiles/catalog');
    if (response.ok) return capabilitiesOf(await response.json());
  } catch {
    // Offline or edge away: nodes only, over the GeoJSON basemap (cached by the service worker).
  }
  return capabilitiesOf(null);
}

/** A weavery's name and where it is written: the middle of its box. */
export interface WeaveryPlace {
  name: string;
  slug: string;
  lat: number;
  lon: number;
}

export function weaveryPlaces(
  list: ReadonlyArray<{ name: string; slug: string; bbox: [number, number, number, number] }>,
): WeaveryPlace[] {
  return list.map((w) => ({
    name: w.name,
    slug: w.slug,
    lon: (w.bbox[0] + w.bbox[2]) / 2,
    lat: (w.bbox[1] + w.bbox[3]) / 2,
  }));
}

/** Equal for filters that ask for the same tiles. */
export function filterKey(filters: MapFilters): string {
  return JSON.stringify({ kinds: filters.kinds, topics: filters.topics });
}

/** The `v` of content tile URLs: fresh per page load (the browser's HTTP cache may hold tiles
 * from before the last change), bumped within the page after each write and live change. */
export class TileVersion {
  readonly #base: string;
  #revision = 0;

  constructor(now = Date.now()) {
    this.#base = now.toString(36);
  }

  get current(): string {
    return `${this.#base}.${this.#revision}`;
  }

  bump(): void {
    this.#revision += 1;
  }
}
