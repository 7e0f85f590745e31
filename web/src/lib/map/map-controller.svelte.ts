// What holds the map together: one camera over two drawings — the picture of the first view
// (preview-picture, answering the hand through preview-input) until MapLibre is there, then the
// real map (live-map, arriving through map-handover). It finds the first view (the catalog and
// where to look), keeps the URL and the page told where the map looks, and brings theme,
// filters, selection and new tiles to whichever draws. The page's calls are in map-api.ts.
import type { Scheme } from '$lib/theme.svelte';
import { currentView, writeViewToUrl } from './current-view.svelte';
import { firstPaint, nextTask } from './first-paint';
import { MapHandOver } from './map-handover.svelte';
import type { GarnPreview } from './map-overlays';
import { filterKey, loadCapabilities, TileVersion, type WeaveryPlace } from './map-sources';
import type { MapCapabilities, MapFilters, StyleOptions } from './map-style';
import {
  type BBox,
  cameraBounds,
  germany,
  type MapPoint,
  type MapView,
  parseViewHash,
} from './map-view';
import { PreviewInput } from './preview-input';
import { PreviewPicture } from './preview-picture.svelte';

/** What the page hands the map (node-map.svelte's props). */
export interface MapProps {
  scheme: Scheme;
  filters: MapFilters;
  selectedId: string | null;
  /** Where to start when the URL has no view (the person's Garnrolle, else Germany). */
  startView: () => Promise<MapView | null>;
  onselect: (id: string) => void;
  /** A tap on a weavery's name. */
  onweavery?: (slug: string) => void;
  onpick: (point: MapPoint) => void;
  onmove?: (box: BBox, zoom: number) => void;
  onidle?: () => void;
}

export class MapController {
  capabilities = $state.raw<MapCapabilities | null>(null);
  /** Tiles of the view could not be had (the edge restarting, the network away). */
  tileTrouble = $state(false);
  readonly picture: PreviewPicture;
  readonly input: PreviewInput;
  /** The real map and its arrival. */
  readonly real: MapHandOver;
  readonly #readProps: () => MapProps;
  /** The element the map fills, once mounted. */
  container: HTMLElement | null = null;
  #firstView: Promise<void> = Promise.resolve();
  #disposed = false;
  readonly #tiles = new TileVersion();
  /** What the map shows beyond tiles, kept for a new style and for the picture. */
  weaveries: WeaveryPlace[] = [];
  garn: GarnPreview | null = null;
  /** The scheme and filters the drawing on screen was made with. */
  #applied: { scheme: Scheme | null; filters: string } = { scheme: null, filters: '' };

  /** `props` reads the component's props as they are now. */
  constructor(props: () => MapProps) {
    this.#readProps = props;
    const picture = new PreviewPicture({
      content: () => {
        const look = this.#look();
        return look && { ...look, selectedId: this.#props.selectedId, weaveries: this.weaveries };
      },
      live: () => this.real.live !== null,
      trouble: (missing) => {
        this.tileTrouble = missing;
      },
    });
    this.picture = picture;
    this.real = new MapHandOver({
      picture,
      firstView: () => this.#firstView,
      look: () => {
        this.#markApplied();
        return this.#look();
      },
      events: {
        select: (id) => this.#props.onselect(id),
        weavery: (slug) => this.#props.onweavery?.(slug),
        pick: (point) => this.#props.onpick(point),
        idle: () => this.#props.onidle?.(),
        // Tile or data errors are transient (the edge restarting): say so and keep the map.
        failed: () => {
          if (this.status === 'ready') this.tileTrouble = true;
        },
        arrived: () => {
          if (this.tileTrouble && navigator.onLine) this.tileTrouble = false;
        },
      },
      loaded: (live) => {
        live.overlays.setWeaveries(this.weaveries);
        live.overlays.select(this.#props.selectedId);
      },
      moved: (live) => {
        writeViewToUrl(live.view());
        this.#props.onmove?.(live.bounds(), live.zoom());
      },
    });
    this.input = new PreviewInput({
      activate: () => this.activate(),
      camera: () => picture.view(),
      panTo: (center) => picture.panTo(center),
      panEnded: () => {
        if (picture.camera) writeViewToUrl(picture.camera);
        void picture.draw();
      },
      zoomTo: (zoom) => picture.zoomTo(zoom),
      hit: (x, y) => picture.hit(x, y),
      select: (id) => this.#props.onselect(id),
      weavery: (slug) => this.#props.onweavery?.(slug),
      cluster: (point) => this.real.withMap((live) => live.zoomIntoCluster(point)),
      pick: (point) => this.#props.onpick(point),
    });
  }

  get #props(): MapProps {
    return this.#readProps();
  }

  /** MapLibre: on its way (or not asked for yet), loaded, or unable to start (no WebGL). */
  get status(): 'loading' | 'ready' | 'failed' {
    return this.real.status;
  }

  /** Called once the markup is there; returns what ends it all. */
  mount(container: HTMLElement, canvas: HTMLCanvasElement | undefined): () => void {
    this.container = container;
    // Login links keep the view even when used before the map has loaded.
    if (parseViewHash(location.hash)) currentView.hash = location.hash;
    this.picture.attach(canvas, container);
    this.real.attach(container);
    this.#firstView = this.#findFirstView();
    void this.#firstView.then(() => this.#showFirstView());
    return () => {
      this.#disposed = true;
      this.picture.forget();
      this.real.dispose();
    };
  }

  /** The tile sources and where to look: the URL's view, else the page's start, else Germany. */
  async #findFirstView(): Promise<void> {
    const [capabilities, start] = await Promise.all([
      loadCapabilities(),
      parseViewHash(location.hash)
        ? Promise.resolve(parseViewHash(location.hash))
        : this.#props.startView().catch(() => null),
    ]);
    if (this.#disposed) return;
    this.capabilities = capabilities;
    this.#markApplied();
    this.picture.camera = parseViewHash(location.hash) ?? start ?? germany;
  }

  async #showFirstView(): Promise<void> {
    if (this.#disposed || !this.picture.camera || this.real.started) return;
    // The page's text and controls are shown before map tiles compete for the connection.
    await firstPaint();
    if (this.#disposed || this.real.started) return;
    await this.picture.draw();
    // What follows the picture (the URL, the live subscription, the list) runs in tasks of its
    // own, so a slow phone is never busy for long at a stretch.
    await nextTask();
    const camera = this.picture.camera;
    if (this.#disposed || this.real.live || !camera) return;
    writeViewToUrl(camera);
    await nextTask();
    const box = this.bounds();
    if (box) this.#props.onmove?.(box, camera.zoom);
    this.#props.onidle?.();
  }

  /** What is drawn with: null until the catalog has answered. */
  #look(): StyleOptions | null {
    const { capabilities } = this;
    if (!capabilities) return null;
    const { scheme, filters } = this.#props;
    return {
      origin: location.origin,
      scheme,
      capabilities,
      filters,
      tileVersion: this.#tiles.current,
    };
  }

  #markApplied(): void {
    this.#applied = { scheme: this.#props.scheme, filters: filterKey(this.#props.filters) };
  }

  /** Theme and filters: a new scheme restyles the map; new filters only swap tile URLs. */
  applyLook(scheme: Scheme, filters: MapFilters): void {
    const key = filterKey(filters);
    if (!this.capabilities) return;
    const live = this.real.live;
    if (!live || this.status !== 'ready') {
      // The picture follows along; MapLibre starts with whatever holds when it starts.
      const changed = scheme !== this.#applied.scheme || key !== this.#applied.filters;
      if (!live && this.picture.state === 'drawn' && changed) {
        this.#applied = { scheme, filters: key };
        void this.picture.draw().then(() => this.#props.onidle?.());
      }
      return;
    }
    if (scheme !== this.#applied.scheme) {
      this.#applied = { scheme, filters: key };
      const look = this.#look();
      if (!look) return;
      live.restyle(look, () => {
        live.overlays.setWeaveries(this.weaveries);
        this.real.withMap((map) => map.overlays.showGarnPreview(this.garn));
        live.overlays.select(this.#props.selectedId);
      });
    } else if (key !== this.#applied.filters) {
      this.#applied.filters = key;
      this.refresh();
    }
  }

  applySelection(id: string | null): void {
    if (this.status === 'ready') this.real.live?.overlays.select(id);
    else if (this.picture.state === 'drawn' && id !== this.picture.paintedSelection)
      void this.picture.draw(true);
  }

  /** Start MapLibre (once): the person reached for the map or the page needs it. */
  activate(): void {
    this.real.start();
  }

  /** The box on screen: the real map's, else the picture's. */
  bounds(): BBox | null {
    const live = this.real.live;
    if (live) return live.bounds();
    const camera = this.picture.view();
    return camera ? cameraBounds(camera) : null;
  }

  /** Refetch the content tiles (after a write, a live change, a reconnect). */
  refresh(): void {
    this.#tiles.bump();
    const live = this.real.live;
    const look = this.#look();
    if (!live || !look) {
      this.picture.forget();
      void this.picture.draw().then(() => this.#props.onidle?.());
      return;
    }
    live.reloadContent(look);
  }
}
