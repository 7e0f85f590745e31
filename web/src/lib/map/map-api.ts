// What the page asks of the map (node-map.svelte exports these): move the camera, mark points,
// show the Garnrolle being placed, the weaveries' names, and read where the map looks and what
// it shows. Reads answer from whichever drawing is on screen; an action that needs the real map
// waits for it (map-handover), starting MapLibre if need be.
import type { MapController } from './map-controller.svelte';
import { sheetRect, uncoveredMiddle } from './map-insets';
import type { GarnPreview } from './map-overlays';
import { weaveryPlaces } from './map-sources';
import {
  type BBox,
  type MapPoint,
  pointAtScreen,
  type VisibleCluster,
  type VisibleNode,
} from './map-view';

export function mapApi(map: MapController) {
  const { real, picture } = map;
  return {
    /** Start MapLibre (once): the person reached for the map or the page needs it. */
    activate: (): void => map.activate(),

    /** Refetch the content tiles (after a write, a live change, a reconnect). */
    refresh: (): void => map.refresh(),

    /** Show a halo at a point for a few seconds, e.g. the node just created. */
    highlight(point: MapPoint): void {
      real.withMap((live) => live.overlays.highlight(point));
    },

    /** Mark where the form will place the node, or remove the mark. */
    showPendingPoint(point: MapPoint | null): void {
      if (!point) {
        real.live?.overlays.showPendingPoint(null);
        return;
      }
      real.withMap((live) => {
        live.overlays.showPendingPoint(point);
        live.keepAboveSheet(point);
      });
    },

    /** On phones sheets cover the lower half: bring a point into the strip above. */
    keepAboveSheet(point: MapPoint): void {
      real.withMap((live) => live.keepAboveSheet(point));
    },

    /** Draw the Garnrolle preview: the chosen place, its circle and the public point. */
    showGarnPreview(preview: GarnPreview | null): void {
      map.garn = preview;
      if (!preview && !real.live) return;
      real.withMap((live) => live.overlays.showGarnPreview(map.garn));
    },

    /** Names of weaveries at the middle of their box. */
    setWeaveries(list: Parameters<typeof weaveryPlaces>[0]): void {
      map.weaveries = weaveryPlaces(list);
      real.live?.overlays.setWeaveries(map.weaveries);
      // A picture already on screen gets the names; a first draw still to come includes them.
      if (!real.live && picture.state === 'drawn') void picture.draw(true);
    },

    flyTo(point: MapPoint, zoom?: number): void {
      real.withMap((live) => live.flyTo(point, zoom));
    },

    /** Show a box whole; on phones above the half-height sheet. Waits for the map if need be. */
    fitBounds(bbox: [number, number, number, number]): void {
      real.withMap((live) => live.fitBounds(bbox));
    },

    zoomBy(delta: number): void {
      real.withMap((live) => live.zoomBy(delta));
    },

    /** The map's centre, for placing something without a pointer. */
    center(): MapPoint | null {
      if (real.live) return real.live.center();
      const camera = picture.camera;
      return camera ? { lat: camera.lat, lon: camera.lon } : null;
    },

    /** The middle of what is not covered by a bottom sheet (on phones it covers the lower part). */
    visibleCenter(): MapPoint | null {
      const camera = picture.view();
      if (!map.container || (!real.live && !camera)) return null;
      const { x, y } = uncoveredMiddle(map.container.getBoundingClientRect(), sheetRect());
      if (real.live) return real.live.pointAt(x, y);
      return camera ? pointAtScreen(camera, x, y) : null;
    },

    bounds: (): BBox | null => map.bounds(),

    zoom(): number {
      return real.live?.zoom() ?? picture.camera?.zoom ?? 0;
    },

    /** What is drawn on screen now: single nodes and clusters (for the list view). */
    visible(): { nodes: VisibleNode[]; clusters: VisibleCluster[] } {
      if (!real.live || map.status !== 'ready') return picture.visible();
      return real.live.visible();
    },
  };
}
