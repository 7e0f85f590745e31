// What MapLibre draws over the tiles for the moment: a halo where a node was just tied, the pin
// where the form will tie one, the Garnrolle being placed (its place, its circle, the point others
// see), the weaveries' names and the selected node. The shapes are plain GeoJSON built here;
// this module is loaded with MapLibre (the picture draws weavery names and selection itself).
import type { GeoJSONSource, Map as MapLibreMap, Marker } from 'maplibre-gl';
import type { WeaveryPlace } from './map-sources';
import {
  circlePolygon,
  garnPreviewSourceId,
  highlightSourceId,
  layerIds,
  weaveryLabelSourceId,
} from './map-style';
import type { MapPoint } from './map-view';

/** The Garnrolle as it would be placed. */
export interface GarnPreview {
  location: MapPoint;
  radiusM: number | null;
  /** The point others see (after saving), if known. */
  publicPoint: MapPoint | null;
}

type Collection = GeoJSON.FeatureCollection;

const pointFeature = (
  point: MapPoint,
  properties: Record<string, string> = {},
): GeoJSON.Feature => ({
  type: 'Feature',
  properties,
  geometry: { type: 'Point', coordinates: [point.lon, point.lat] },
});

/** One point, or nothing. */
export function pointData(point: MapPoint | null): Collection {
  return { type: 'FeatureCollection', features: point ? [pointFeature(point)] : [] };
}

/** The Garnrolle preview's layers tell its parts apart by `role`: circle, private, public. */
export function garnPreviewData(preview: GarnPreview | null): Collection {
  const features: GeoJSON.Feature[] = [];
  if (preview) {
    const { lat, lon } = preview.location;
    if (preview.radiusM) {
      features.push({
        type: 'Feature',
        properties: { role: 'circle' },
        geometry: { type: 'Polygon', coordinates: [circlePolygon(lat, lon, preview.radiusM)] },
      });
    }
    features.push(pointFeature(preview.location, { role: 'private' }));
    if (preview.publicPoint) features.push(pointFeature(preview.publicPoint, { role: 'public' }));
  }
  return { type: 'FeatureCollection', features };
}

export function weaveryLabelData(places: readonly WeaveryPlace[]): Collection {
  return {
    type: 'FeatureCollection',
    features: places.map((w) => pointFeature(w, { name: w.name, slug: w.slug })),
  };
}

export class MapOverlays {
  readonly #map: MapLibreMap;
  readonly #makeMarker: (element: HTMLElement) => Marker;
  #pending: Marker | null = null;
  #highlightTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(map: MapLibreMap, makeMarker: (element: HTMLElement) => Marker) {
    this.#map = map;
    this.#makeMarker = makeMarker;
  }

  #source(id: string): GeoJSONSource | undefined {
    return this.#map.getSource<GeoJSONSource>(id);
  }

  /** A halo at a point for a few seconds, e.g. the node just created. */
  highlight(point: MapPoint): void {
    const source = this.#source(highlightSourceId);
    if (!source) return;
    source.setData(pointData(point));
    clearTimeout(this.#highlightTimer);
    this.#highlightTimer = setTimeout(() => source.setData(pointData(null)), 4000);
  }

  /** The pin where the form will place the node, or none. */
  showPendingPoint(point: MapPoint | null): void {
    if (!point) {
      this.#pending?.remove();
      this.#pending = null;
      return;
    }
    if (!this.#pending) {
      // MapLibre positions the outer element with a transform; the pin shape is the inner one.
      const element = document.createElement('div');
      element.setAttribute('aria-hidden', 'true');
      element.className = 'wg-pending-marker';
      element.append(document.createElement('div'));
      this.#pending = this.#makeMarker(element);
    }
    this.#pending.setLngLat([point.lon, point.lat]).addTo(this.#map);
  }

  showGarnPreview(preview: GarnPreview | null): void {
    this.#source(garnPreviewSourceId)?.setData(garnPreviewData(preview));
  }

  setWeaveries(places: readonly WeaveryPlace[]): void {
    this.#source(weaveryLabelSourceId)?.setData(weaveryLabelData(places));
  }

  select(id: string | null): void {
    if (!this.#map.getLayer(layerIds.selected)) return;
    this.#map.setFilter(layerIds.selected, ['==', ['get', 'id'], id ?? '']);
  }

  remove(): void {
    clearTimeout(this.#highlightTimer);
  }
}
