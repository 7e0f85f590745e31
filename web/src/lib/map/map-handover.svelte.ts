// MapLibre's arrival: imported and started once, when the person reaches for the map or the page
// needs the real map; actions that need it wait until it has loaded. The picture stays (and keeps
// answering) until the map has drawn every tile of the view, then the map takes over — once, at
// the camera the picture had.
import type { LiveMap, LiveMapEvents } from './live-map';
import type { StyleOptions } from './map-style';
import type { PreviewPicture } from './preview-picture.svelte';

export interface HandOverHost {
  picture: PreviewPicture;
  /** Resolves once the first view (tile sources, camera) is known. */
  firstView(): Promise<void>;
  /** The style to start with; null while the tile sources are not known. */
  look(): StyleOptions | null;
  /** What the map tells, but for a cluster tap (zoomed into here), loading and moving. */
  events: Omit<LiveMapEvents, 'cluster' | 'moved' | 'loaded'>;
  /** The map has loaded: give it what it shows beyond tiles (names, selection). */
  loaded(live: LiveMap): void;
  /** The camera of the map on screen has come to rest (also right after the hand-over). */
  moved(live: LiveMap): void;
}

export class MapHandOver {
  /** MapLibre: on its way (or not asked for yet), loaded, or unable to start (no WebGL). */
  status = $state<'loading' | 'ready' | 'failed'>('loading');
  /** The real map from its construction on (before it has loaded). */
  live: LiveMap | null = null;
  readonly #host: HandOverHost;
  #container: HTMLElement | null = null;
  readonly #whenReady: Array<(live: LiveMap) => void> = [];
  #started = false;
  #disposed = false;

  constructor(host: HandOverHost) {
    this.#host = host;
  }

  /** The element the map fills; nothing starts before it is there. */
  attach(container: HTMLElement): void {
    this.#container = container;
  }

  get started(): boolean {
    return this.#started;
  }

  /** Start MapLibre (once). */
  start(): void {
    const container = this.#container;
    if (this.#started || this.#disposed || !container) return;
    this.#started = true;
    void this.#start(container);
  }

  async #start(container: HTMLElement): Promise<void> {
    try {
      const [{ LiveMap }] = await Promise.all([import('./live-map'), this.#host.firstView()]);
      const camera = this.#host.picture.camera;
      if (this.#disposed || !camera) return;
      const look = this.#host.look();
      if (!look) return;
      const live = new LiveMap(container, camera, look, {
        ...this.#host.events,
        cluster: (point) => this.withMap((map) => map.zoomIntoCluster(point)),
        moved: () => this.#host.moved(live),
        loaded: () => this.#loaded(live),
      });
      this.live = live;
    } catch (error) {
      console.error('map failed to start', error);
      this.status = 'failed';
    }
  }

  #loaded(live: LiveMap): void {
    this.status = 'ready';
    this.#host.loaded(live);
    // Unless the page wants the map now, the picture stays until every tile is drawn; a slow
    // tile hands over after a while.
    if (this.#whenReady.length || this.#host.picture.state !== 'drawn') this.#handOver(live);
    else {
      live.whenDrawn(() => this.#handOver(live));
      setTimeout(() => this.#handOver(live), 8000);
    }
  }

  /** The real map replaces the picture (once), where the picture was looking. */
  #handOver(live: LiveMap): void {
    const picture = this.#host.picture;
    if (picture.state === 'gone' || this.#disposed) return;
    // The picture may have been panned meanwhile: the map takes over where it looks.
    const camera = picture.camera;
    const view = live.view();
    if (camera && (camera.lat !== view.lat || camera.lon !== view.lon || camera.zoom !== view.zoom))
      live.jumpTo(camera);
    // Keyboard focus on the picture moves to the map it stood for.
    const focused = this.#container?.parentElement?.contains(document.activeElement);
    picture.leave();
    if (focused) live.focus();
    this.#host.moved(live);
    for (const action of this.#whenReady.splice(0)) action(live);
  }

  /** Run `action` on the real map: now if it is there, else once it has loaded (starting it). */
  withMap(action: (live: LiveMap) => void): void {
    const live = this.live;
    if (live && this.status === 'ready') {
      this.#handOver(live);
      action(live);
      return;
    }
    this.#whenReady.push(action);
    this.start();
  }

  dispose(): void {
    this.#disposed = true;
    this.live?.remove();
    this.live = null;
  }
}
