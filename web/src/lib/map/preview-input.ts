// The picture of the first view answers the hand like the map would: a tap on a node opens it,
// on a weavery's name opens the weavery, on a cluster zooms in, elsewhere picks the point; a
// finger or mouse dragged over it pans, the wheel zooms. Reaching for it also starts MapLibre.
import type { PreviewHit } from './map-preview';
import { type Camera, type MapPoint, pointAtScreen } from './map-view';

/** What the picture offers its input (the map controller answers). */
export interface PreviewInputHost {
  /** The person reached for the map: start MapLibre. */
  activate(): void;
  /** The picture's camera on screen; null before the first view is known. */
  camera(): Camera | null;
  /** Look at another centre, repainting from the tiles at hand (during a drag). */
  panTo(center: MapPoint): void;
  /** A drag has ended: fetch what the view lacks and keep the view in the URL. */
  panEnded(): void;
  zoomTo(zoom: number): void;
  /** What is drawn at (x, y) of the picture. */
  hit(x: number, y: number): PreviewHit | null;
  select(id: string): void;
  weavery(slug: string): void;
  cluster(point: MapPoint): void;
  pick(point: MapPoint): void;
}

/** The part of a pointer event on the picture's canvas that the input reads. */
export interface PointerInput {
  pointerId: number;
  pointerType: string;
  clientX: number;
  clientY: number;
  currentTarget: {
    setPointerCapture?(pointerId: number): void;
    getBoundingClientRect(): { left: number; top: number };
  };
}

export interface WheelInput {
  deltaY: number;
  preventDefault(): void;
}

/** A press that moves less than this many pixels is still a tap (fingers wobble). */
export const tapSlop = 6;

/** The zoom after a turn of the wheel, within the map's range. */
export function wheelZoom(zoom: number, deltaY: number): number {
  return Math.max(0, Math.min(19, zoom - deltaY / 300));
}

/** Pointer and wheel handlers for the picture's canvas (arrow fields: pass them as they are). */
export class PreviewInput {
  readonly #host: PreviewInputHost;
  #drag: { id: number; x: number; y: number; moved: boolean } | null = null;

  constructor(host: PreviewInputHost) {
    this.#host = host;
  }

  readonly pointerdown = (event: PointerInput): void => {
    this.#host.activate();
    this.#drag = { id: event.pointerId, x: event.clientX, y: event.clientY, moved: false };
    event.currentTarget.setPointerCapture?.(event.pointerId);
  };

  readonly pointermove = (event: PointerInput): void => {
    if (event.pointerType === 'mouse') this.#host.activate();
    const drag = this.#drag;
    const camera = this.#host.camera();
    if (!drag || drag.id !== event.pointerId || !camera) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < tapSlop) return;
    drag.moved = true;
    drag.x = event.clientX;
    drag.y = event.clientY;
    // The map follows the pointer: the new centre is where the old one was dragged away from.
    this.#host.panTo(pointAtScreen(camera, camera.width / 2 - dx, camera.height / 2 - dy));
  };

  readonly pointerup = (event: PointerInput): void => {
    const drag = this.#drag;
    if (!drag || drag.id !== event.pointerId) return;
    this.#drag = null;
    if (drag.moved) {
      this.#host.panEnded();
      return;
    }
    const box = event.currentTarget.getBoundingClientRect();
    this.#tap(event.clientX - box.left, event.clientY - box.top);
  };

  readonly pointercancel = (): void => {
    this.#drag = null;
  };

  readonly wheel = (event: WheelInput): void => {
    this.#host.activate();
    const camera = this.#host.camera();
    if (!camera) return;
    event.preventDefault();
    this.#host.zoomTo(wheelZoom(camera.zoom, event.deltaY));
  };

  #tap(x: number, y: number): void {
    const host = this.#host;
    const hit = host.hit(x, y);
    if (hit?.kind === 'node') host.select(hit.id);
    else if (hit?.kind === 'weavery') host.weavery(hit.slug);
    else if (hit?.kind === 'cluster') host.cluster(hit.point);
    else {
      const camera = host.camera();
      if (camera) host.pick(pointAtScreen(camera, x, y));
    }
  }
}
