// The real map: MapLibre on the map's container, in the chunk that loads when the person reaches
// for the map. It draws maplibre-style's style (icons and labels painted on demand, map-icons.ts),
// turns a tap into what was tapped (a node, a weavery's name, a cluster, else a point) and moves
// the camera as the page asks — without animation for people who asked for less motion.
import type { LngLatBoundsLike, Map as MapLibreMap, VectorTileSource } from 'maplibre-gl';
import { drawMapImage } from './map-icons';
import { fitPadding, isPhone, sidePanelOpen, underSheet } from './map-insets';
import { MapOverlays } from './map-overlays';
import { contentSourceId, offeredContent, type StyleOptions, tileUrl } from './map-style';
import type { BBox, MapPoint, MapView, VisibleCluster, VisibleNode } from './map-view';
import { maplibre } from './maplibre-loader';
import { buildMapStyle } from './maplibre-style';
import { tappable, tappedAt, visibleOnMap } from './rendered-features';

/** What the map tells the one who made it. */
export interface LiveMapEvents {
  select(id: string): void;
  weavery(slug: string): void;
  cluster(point: MapPoint): void;
  pick(point: MapPoint): void;
  /** The camera has come to rest. */
  moved(): void;
  idle(): void;
  /** The style is there: the map can take over. */
  loaded(): void;
  /** A tile or data request failed (transient: the edge restarting, the network away). */
  failed(): void;
  /** Data of a source arrived. */
  arrived(): void;
}

const reducedMotion = () => window.matchMedia('(prefers-reduced-motion: reduce)').matches;
/** No animation for people who asked for less motion; MapLibre's defaults otherwise (an
 * explicit `duration: undefined` would override them and break the camera). */
const motion = () => (reducedMotion() ? { duration: 0 } : {});

export class LiveMap {
  readonly overlays: MapOverlays;
  readonly #map: MapLibreMap;
  #removed = false;

  constructor(container: HTMLElement, view: MapView, look: StyleOptions, events: LiveMapEvents) {
    const map = new maplibre.Map({
      container,
      style: buildMapStyle(look),
      center: [view.lon, view.lat],
      zoom: view.zoom,
      maxZoom: 19,
      attributionControl: { compact: false },
      dragRotate: false,
      pitchWithRotate: false,
      touchPitch: false,
      cooperativeGestures: false,
      // Labels and icons appear at once: a fade repaints the whole map for every new tile,
      // which costs phones without a fast GPU the most.
      fadeDuration: 0,
      // The first view is drawn at one device pixel per CSS pixel (a third of the work on a
      // typical phone, while tiles stream in); full sharpness follows once the map is idle.
      pixelRatio: 1,
    });
    this.#map = map;
    const sharpRatio = Math.min(2, window.devicePixelRatio || 1);
    if (sharpRatio > 1) {
      map.once('idle', () => {
        if (!this.#removed) map.setPixelRatio(sharpRatio);
      });
    }
    map.touchZoomRotate.disableRotation();
    this.overlays = new MapOverlays(
      map,
      (element) => new maplibre.Marker({ element, anchor: 'bottom' }),
    );
    window.__wgMap = map;

    const ratio = Math.min(3, Math.max(1, window.devicePixelRatio || 1));
    map.on('styleimagemissing', (event) => {
      if (map.hasImage(event.id)) return;
      const image = drawMapImage(event.id, ratio);
      if (image) map.addImage(event.id, image, { pixelRatio: ratio });
    });
    map.on('click', (event) => {
      const hit = tappedAt(map, event.point.x, event.point.y);
      if (hit?.kind === 'node') events.select(hit.id);
      else if (hit?.kind === 'weavery') events.weavery(hit.slug);
      else if (hit?.kind === 'cluster') events.cluster(hit.point);
      else {
        const { lat, lng } = event.lngLat.wrap();
        events.pick({ lat, lon: lng });
      }
    });
    for (const id of tappable) {
      map.on('mouseenter', id, () => {
        map.getCanvas().style.cursor = 'pointer';
      });
      map.on('mouseleave', id, () => {
        map.getCanvas().style.cursor = '';
      });
    }
    map.on('moveend', () => events.moved());
    map.on('idle', () => events.idle());
    map.once('load', () => events.loaded());
    map.on('error', (event) => {
      console.warn('map error', event.error?.message ?? event);
      events.failed();
    });
    map.on('data', (event) => {
      if (event.dataType === 'source') events.arrived();
    });
  }

  /** Runs once every tile of the view is drawn. */
  whenDrawn(action: () => void): void {
    this.#map.once('idle', action);
  }

  /** A new scheme: a new style; `restore` puts back what the old style held beyond tiles. */
  restyle(look: StyleOptions, restore: () => void): void {
    this.#map.setStyle(buildMapStyle(look));
    this.#map.once('styledata', restore);
  }

  /** New filters or a new tile version: the content tiles are asked for again. */
  reloadContent(look: StyleOptions): void {
    const url = tileUrl(
      look.origin,
      offeredContent(look.capabilities),
      look.filters,
      look.tileVersion,
    );
    this.#map.getSource<VectorTileSource>(contentSourceId)?.setTiles([url]);
  }

  view(): MapView {
    return { ...this.center(), zoom: this.#map.getZoom() };
  }

  zoom(): number {
    return this.#map.getZoom();
  }

  center(): MapPoint {
    const { lat, lng } = this.#map.getCenter().wrap();
    return { lat, lon: lng };
  }

  /** The place under a pixel of the map. */
  pointAt(x: number, y: number): MapPoint {
    const { lat, lng } = this.#map.unproject([x, y]).wrap();
    return { lat, lon: lng };
  }

  /** The box on screen, within what the edge accepts (the whole width once the world repeats). */
  bounds(): BBox {
    const b = this.#map.getBounds();
    const wraps = b.getWest() < -180 || b.getEast() > 180;
    return {
      west: wraps ? -180 : Math.max(-180, b.getWest()),
      south: Math.max(-85, b.getSouth()),
      east: wraps ? 180 : Math.min(180, b.getEast()),
      north: Math.min(85, b.getNorth()),
    };
  }

  jumpTo(view: MapView): void {
    this.#map.jumpTo({ center: [view.lon, view.lat], zoom: view.zoom });
  }

  focus(): void {
    this.#map.getCanvas().focus();
  }

  flyTo(point: MapPoint, zoom?: number): void {
    this.#map.flyTo({
      center: [point.lon, point.lat],
      zoom: zoom ?? Math.max(this.#map.getZoom(), 13),
      ...motion(),
    });
  }

  /** Show a box whole, where sheets and panels leave room. */
  fitBounds(bbox: [number, number, number, number]): void {
    const padding = fitPadding({
      phone: isPhone(),
      sidePanel: sidePanelOpen(),
      height: window.innerHeight,
    });
    this.#map.fitBounds(bbox as LngLatBoundsLike, { padding, maxZoom: 13, ...motion() });
  }

  zoomBy(delta: number): void {
    this.#map.zoomTo(this.#map.getZoom() + delta, { duration: reducedMotion() ? 0 : 250 });
  }

  /** A tap on a cluster zooms towards it. */
  zoomIntoCluster(point: MapPoint): void {
    this.#map.easeTo({
      center: [point.lon, point.lat],
      zoom: Math.min(this.#map.getZoom() + 2.5, 14),
      duration: reducedMotion() ? 0 : 400,
    });
  }

  /** On phones sheets cover the lower half: bring a point into the strip above. */
  keepAboveSheet(point: MapPoint): void {
    const height = this.#map.getContainer().clientHeight;
    const y = this.#map.project([point.lon, point.lat]).y;
    if (isPhone() && underSheet(y, height)) {
      this.#map.easeTo({
        center: [point.lon, point.lat],
        offset: [0, -height * 0.25],
        duration: reducedMotion() ? 0 : 300,
      });
    }
  }

  /** What is drawn on screen now: single nodes and clusters (for the list view). */
  visible(): { nodes: VisibleNode[]; clusters: VisibleCluster[] } {
    return visibleOnMap(this.#map);
  }

  remove(): void {
    this.#removed = true;
    this.overlays.remove();
    this.#map.remove();
    if (window.__wgMap === this.#map) delete window.__wgMap;
  }
}
