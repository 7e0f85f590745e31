// The picture of the first view (map-preview.ts) as the map holds it: where it looks, whether it
// is drawn, and which of several overlapping draws speaks for it. It stands for the map until
// MapLibre has drawn the view, then it is gone for good.
import { untrack } from 'svelte';
import { MapPreview, type PreviewContent, type PreviewHit } from './map-preview';
import type { Camera, MapPoint, MapView, VisibleCluster, VisibleNode } from './map-view';

export interface PictureHost {
  /** What to draw; null while the tile sources are not known. */
  content(): PreviewContent | null;
  /** Whether MapLibre is already on its way: then the picture does not count as drawn. */
  live(): boolean;
  /** After the latest full draw: whether some tiles of the view could not be had. */
  trouble(missing: boolean): void;
}

export class PreviewPicture {
  /** waiting: nothing drawn yet; drawn: it stands for the map; gone: MapLibre took over. */
  state = $state<'waiting' | 'drawn' | 'gone'>('waiting');
  /** Where the map looks while MapLibre is not there yet. */
  camera: MapView | null = null;
  /** The selection the last paint showed. */
  paintedSelection: string | null = null;
  /** The street names the picture shows (its text for screen readers). */
  streets = $state<string[]>([]);
  readonly #host: PictureHost;
  #preview: MapPreview | null = null;
  #screen: HTMLElement | null = null;
  #round = 0;

  constructor(host: PictureHost) {
    this.#host = host;
  }

  /** `screen` is the element the map fills (its size is the picture's). */
  attach(canvas: HTMLCanvasElement | undefined, screen: HTMLElement): void {
    this.#screen = screen;
    if (canvas) this.#preview = new MapPreview(canvas);
  }

  /** The camera on the screen as it is now. */
  view(): Camera | null {
    if (!this.camera || !this.#screen) return null;
    return { ...this.camera, width: this.#screen.clientWidth, height: this.#screen.clientHeight };
  }

  /** Draw (fetching what it lacks); `paintOnly` redraws from the tiles at hand. */
  async draw(paintOnly = false): Promise<void> {
    const view = this.view();
    const content = this.#host.content();
    if (!this.#preview || !view || !content || this.state === 'gone') return;
    this.paintedSelection = content.selectedId;
    if (paintOnly) this.#preview.paint(view, content);
    else {
      const round = ++this.#round;
      const { missing } = await this.#preview.draw(view, content);
      // Only the latest draw speaks for the picture (an earlier one was cut short on purpose).
      if (round === this.#round) this.#host.trouble(missing > 0);
    }
    // Not read as a dependency: an effect that draws must not re-run because of what it drew.
    const streets = this.#preview.streets();
    if (untrack(() => streets.join('\n') !== this.streets.join('\n'))) this.streets = streets;
    // MapLibre may have taken over while the tiles were on their way.
    if (this.#host.live()) return;
    this.state = 'drawn';
  }

  /** Follow a dragging pointer, from the tiles at hand. */
  panTo(center: MapPoint): void {
    if (!this.camera) return;
    this.camera = { ...this.camera, ...center };
    void this.draw(true);
  }

  zoomTo(zoom: number): void {
    if (!this.camera) return;
    this.camera = { ...this.camera, zoom };
    void this.draw();
  }

  hit(x: number, y: number): PreviewHit | null {
    return this.#preview?.hit(x, y) ?? null;
  }

  visible(): { nodes: VisibleNode[]; clusters: VisibleCluster[] } {
    return this.#preview?.visible() ?? { nodes: [], clusters: [] };
  }

  /** Drop the fetched tiles: the next draw fetches them again. */
  forget(): void {
    this.#preview?.forget();
  }

  /** MapLibre has taken over. */
  leave(): void {
    this.state = 'gone';
    this.#preview?.forget();
  }
}
