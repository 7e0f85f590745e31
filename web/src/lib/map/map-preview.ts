// The first view of the map, drawn on a plain 2D canvas from the same vector tiles MapLibre
// reads (same URLs, so MapLibre later finds them in the HTTP cache). MapLibre — a large module
// whose every frame costs phones without a fast GPU tens of milliseconds — starts only when the
// person reaches for the map; until then this picture is the map: it shows the nodes, clusters,
// threads and Garnrollen of the view, answers taps, pans, and lists what is on screen.
import { VectorTile, type VectorTileFeature } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { type NodeKind, nodeKindColors, nodeTopicColors, nodeTopics } from '$lib/nodes/node-kinds';
import type { Scheme } from '$lib/theme.svelte';
import { NameSpacing, placeAlongLine, turnedBox } from './line-labels';
import { mapFont, mapImage, textWidth } from './map-icons';
import {
  basemapMaxZoom,
  builtUpClasses,
  forestClasses,
  lineRoads,
  type MapCapabilities,
  type MapFilters,
  majorRoads,
  offeredContent,
  type Palette,
  palettes,
  type RoadClass,
  roadWidthAt,
  tileUrl,
} from './map-style';
import {
  type Camera,
  coveringTiles,
  type MapPoint,
  pointAtScreen,
  screenPixel,
  type TileAddress,
  tilePixels,
  type VisibleCluster,
  type VisibleNode,
  visibleNodeOf,
  worldPixel,
} from './map-view';

export interface PreviewContent {
  origin: string;
  scheme: Scheme;
  capabilities: MapCapabilities;
  filters: MapFilters;
  tileVersion: string;
  selectedId: string | null;
  weaveries: ReadonlyArray<{ name: string; slug: string; lat: number; lon: number }>;
}

export type PreviewHit =
  | { kind: 'node'; id: string }
  | { kind: 'cluster'; point: MapPoint }
  | { kind: 'weavery'; slug: string };

interface DecodedTile {
  layers: Record<string, VectorTileFeature[]>;
  extent: number;
}

interface Placed {
  x: number;
  y: number;
  r: number;
  hit: PreviewHit;
}

/** Linear interpolation over zoom stops, clamped at both ends (MapLibre's `interpolate`). */
export function interpolate(zoom: number, stops: ReadonlyArray<readonly [number, number]>): number {
  const first = stops[0]!;
  if (zoom <= first[0]) return first[1];
  for (let i = 1; i < stops.length; i += 1) {
    const [z1, v1] = stops[i]!;
    const [z0, v0] = stops[i - 1]!;
    if (zoom <= z1) return v0 + ((v1 - v0) * (zoom - z0)) / (z1 - z0);
  }
  return stops[stops.length - 1]![1];
}

/** Decoded once per feature: panning and repainting reuse it. */
const geometries = new WeakMap<VectorTileFeature, ReturnType<VectorTileFeature['loadGeometry']>>();
function geometry(feature: VectorTileFeature) {
  let rings = geometries.get(feature);
  if (!rings) {
    rings = feature.loadGeometry();
    geometries.set(feature, rings);
  }
  return rings;
}

const contentMaxZoom = 16;
const topicColors = new Map<string, string>(nodeTopics.map((t) => [t, nodeTopicColors[t]]));

export class MapPreview {
  private readonly tiles = new Map<string, Promise<DecodedTile | null>>();
  private readonly decoded = new Map<string, DecodedTile | null>();
  private placed: Placed[] = [];
  private shownNodes: VisibleNode[] = [];
  private shownClusters: VisibleCluster[] = [];
  private shownStreets: string[] = [];
  private pending: AbortController | null = null;

  constructor(private readonly canvas: HTMLCanvasElement) {}

  /** Drop fetched tiles (after a write or a live change the next draw fetches them again). */
  forget(): void {
    this.pending?.abort();
    this.pending = null;
    this.tiles.clear();
    this.decoded.clear();
  }

  /** Fetch what the camera needs and draw it. Resolves when drawn, with how many tiles could
   * not be had (the edge away, the network gone). */
  async draw(camera: Camera, content: PreviewContent): Promise<{ missing: number }> {
    const wanted = this.wantedTiles(camera, content);
    const missing = wanted.filter(({ url }) => !this.tiles.has(url));
    if (missing.length) {
      this.pending?.abort();
      const controller = new AbortController();
      this.pending = controller;
      for (const { url } of missing) this.tiles.set(url, this.fetchTile(url, controller.signal));
    }
    const got = await Promise.all(wanted.map(({ url }) => this.tiles.get(url)));
    // Painting gets a task of its own (not the one that decoded the last tile).
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.paint(camera, content);
    return { missing: got.filter((tile) => !tile).length };
  }

  /** Draw again from the tiles at hand (a pan, a new selection or scheme), fetching nothing. */
  paint(camera: Camera, content: PreviewContent): void {
    const ratio = Math.min(2, window.devicePixelRatio || 1);
    const width = Math.round(camera.width * ratio);
    const height = Math.round(camera.height * ratio);
    if (this.canvas.width !== width) this.canvas.width = width;
    if (this.canvas.height !== height) this.canvas.height = height;
    const g = this.canvas.getContext('2d');
    if (!g) return;
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    const p = palettes[content.scheme];
    const zoom = camera.zoom;
    const vectorBasemap = content.capabilities.vectorBasemap;
    g.fillStyle = vectorBasemap ? p.water : p.land;
    g.fillRect(0, 0, camera.width, camera.height);

    const base = vectorBasemap
      ? this.layerTiles(camera, this.basemapUrl(content), basemapMaxZoom)
      : [];
    const top = this.layerTiles(camera, this.contentUrl(content), contentMaxZoom);
    const features = (tiles: typeof top, layer: string) =>
      tiles.flatMap(({ tile, address }) =>
        (tile.layers[layer] ?? []).map((feature) => ({ feature, address, extent: tile.extent })),
      );

    const basemap = features(base, 'basemap');
    this.fill(g, camera, basemap, (f) => f.properties.kind === 'land', p.land, 1);
    this.fill(g, camera, basemap, (f) => f.properties.kind === 'water', p.water, 1);
    const border = interpolate(zoom, [
      [2, 0.5],
      [8, 1.4],
    ]);
    g.setLineDash([3 * border, 1.5 * border]);
    this.stroke(g, camera, basemap, (f) => f.properties.kind === 'border', p.border, border, 1);
    g.setLineDash([]);
    if (vectorBasemap && zoom >= 5) this.paintOsm(g, camera, basemap, p, zoom);

    const weaveries = features(top, 'weaveries');
    this.fill(g, camera, weaveries, () => true, p.weavery, 0.06);
    const outline = interpolate(zoom, [
      [4, 1],
      [12, 2.5],
    ]);
    this.stroke(g, camera, weaveries, () => true, p.weavery, outline, 0.8);

    if (zoom < 9) {
      for (const item of features(top, 'hex')) {
        const nodes = Number(item.feature.properties.nodes) || 0;
        const dense = interpolate(nodes, [
          [0, 0.04],
          [5, 0.12],
          [50, 0.3],
        ]);
        const opacity = interpolate(zoom, [
          [7, dense],
          [8.8, 0],
        ]);
        if (opacity <= 0) continue;
        this.fill(g, camera, [item], () => true, p.hex, opacity);
      }
    }

    // Symbols that must not overlap claim their box; the first to claim a place keeps it.
    const claimed: Array<{ x0: number; y0: number; x1: number; y1: number }> = [];
    const claim = (x: number, y: number, w: number, h: number, pad: number) => {
      const box = {
        x0: x - w / 2 - pad,
        y0: y - h / 2 - pad,
        x1: x + w / 2 + pad,
        y1: y + h / 2 + pad,
      };
      if (claimed.some((b) => b.x0 < box.x1 && box.x0 < b.x1 && b.y0 < box.y1 && box.y0 < b.y1)) {
        return false;
      }
      claimed.push(box);
      return true;
    };
    const inside = (x: number, y: number) =>
      x >= -30 && y >= -30 && x <= camera.width + 30 && y <= camera.height + 30;

    const nodes = this.points(camera, features(top, 'nodes'));
    const clusters = nodes
      .filter((n) => n.feature.properties.cluster === true)
      .sort((a, b) => Number(b.feature.properties.count) - Number(a.feature.properties.count));
    const singles = nodes.filter((n) => n.feature.properties.cluster !== true);
    const accounts = this.points(camera, features(top, 'accounts'));
    const places = vectorBasemap
      ? this.points(camera, basemap)
          .filter(({ feature }) => ['place', 'country'].includes(String(feature.properties.kind)))
          .sort(
            (a, b) =>
              (Number(b.feature.properties.population) || 1e7) -
              (Number(a.feature.properties.population) || 1e7),
          )
      : [];

    // Placement runs from the top layer down (as MapLibre's does), drawing bottom-up after.
    const draws: Array<() => void> = [];
    const placed: Placed[] = [];
    this.shownNodes = [];
    this.shownStreets = [];
    this.shownClusters = [];
    const image = (id: string, x: number, y: number, scale = 1) => {
      const icon = mapImage(id);
      if (!icon) return { w: 0, h: 0, draw: () => {} };
      const w = icon.width * scale;
      const h = icon.height * scale;
      const draw = () => {
        g.save();
        g.translate(x - w / 2, y - h / 2);
        g.scale(scale, scale);
        icon.paint(g);
        g.restore();
      };
      return { w, h, draw };
    };

    const scheme = content.scheme;
    if (zoom >= 5) {
      for (const w of content.weaveries) {
        const { x, y } = screenPixel(camera, w);
        if (!inside(x, y)) continue;
        const label = image(`label:${scheme}:w:${w.name}`, x, y);
        claim(x, y, label.w, label.h, 0);
        draws.push(label.draw);
        placed.push({
          x,
          y,
          r: Math.max(label.w, label.h) / 2,
          hit: { kind: 'weavery', slug: w.slug },
        });
      }
    }
    const selected = content.selectedId;
    if (selected) {
      for (const { feature, x, y } of singles) {
        if (feature.properties.id !== selected) continue;
        const kind = String(feature.properties.kind);
        const r = interpolate(zoom, [
          [9, 11],
          [17, 20],
        ]);
        draws.push(() => {
          g.beginPath();
          g.arc(x, y, r, 0, Math.PI * 2);
          g.lineWidth = 3;
          g.strokeStyle = nodeKindColors[kind as NodeKind] ?? '#fbbf24';
          g.stroke();
        });
      }
    }
    const iconSize = interpolate(zoom, [
      [9, 0.6],
      [13, 0.85],
      [17, 1.2],
    ]);
    const ringRadius = interpolate(zoom, [
      [9, 6],
      [13, 9],
      [17, 13],
    ]);
    const ringWidth = interpolate(zoom, [
      [9, 2],
      [15, 3],
    ]);
    for (const { feature, x, y, point } of singles) {
      if (!inside(x, y)) continue;
      const props = feature.properties;
      const icon = image(`kind:${props.kind}`, x, y, iconSize);
      claim(x, y, icon.w, icon.h, 0);
      const ring = topicColors.get(String(props.topics ?? '').split(',')[0] ?? '') ?? p.pointStroke;
      draws.push(() => {
        g.beginPath();
        g.arc(x, y, ringRadius, 0, Math.PI * 2);
        g.fillStyle = p.pointStroke;
        g.fill();
        g.lineWidth = ringWidth;
        g.strokeStyle = ring;
        g.stroke();
        icon.draw();
      });
      if (typeof props.id === 'string') {
        placed.push({ x, y, r: ringRadius + ringWidth, hit: { kind: 'node', id: props.id } });
        if (x >= 0 && y >= 0 && x <= camera.width && y <= camera.height) {
          this.shownNodes.push(visibleNodeOf(props.id, props, point));
        }
      }
    }
    for (const { feature, x, y, point } of clusters) {
      if (!inside(x, y)) continue;
      const count = Number(feature.properties.count) || 0;
      const bubble = image(`cluster:${scheme}:${count}`, x, y);
      if (!claim(x, y, bubble.w, bubble.h, 0)) continue;
      draws.push(bubble.draw);
      placed.push({ x, y, r: bubble.w / 2, hit: { kind: 'cluster', point } });
      if (x >= 0 && y >= 0 && x <= camera.width && y <= camera.height) {
        this.shownClusters.push({
          key: String(feature.properties.cell ?? feature.id ?? `${point.lat},${point.lon}`),
          count,
          ...point,
        });
      }
    }
    const spoolSize = interpolate(zoom, [
      [9, 0.7],
      [15, 1],
    ]);
    for (const { feature, x, y } of accounts) {
      if (!inside(x, y)) continue;
      if (feature.properties.cluster === true) {
        const icon = image(`spools:${scheme}:${feature.properties.count_label ?? ''}`, x, y);
        if (claim(x, y, icon.w, icon.h, 0)) draws.push(icon.draw);
      } else {
        const icon = image(`spool:${scheme}`, x, y, spoolSize);
        claim(x, y, icon.w, icon.h, 0);
        draws.push(icon.draw);
      }
    }

    // Lines under the symbols: threads fade with their strength.
    const threadWidth = interpolate(zoom, [
      [5, 0.6],
      [12, 1.6],
      [16, 3],
    ]);
    g.lineCap = 'round';
    for (const item of features(top, 'threads')) {
      const strength = Number(item.feature.properties.strength) || 0;
      const opacity = interpolate(strength, [
        [0, 0.08],
        [1, 0.9],
      ]);
      this.stroke(g, camera, [item], () => true, p.thread, threadWidth, opacity);
    }
    g.lineCap = 'butt';

    const labels: Array<() => void> = [];
    for (const { feature, x, y } of places) {
      if (!inside(x, y)) continue;
      const props = feature.properties;
      const variant =
        props.kind === 'country' ? 'c' : Number(props.population) > 500_000 ? 'l' : 's';
      const label = image(`label:${scheme}:${variant}:${props.name ?? ''}`, x, y);
      if (claim(x, y, label.w, label.h, 4)) labels.push(label.draw);
    }
    // Street and river names yield to place names (as in MapLibre, where their layers lie below).
    const lineNames = vectorBasemap ? this.lineNames(g, camera, basemap, p, zoom, claim) : [];
    for (const draw of lineNames) draw();
    for (const draw of labels) draw();
    for (let i = draws.length - 1; i >= 0; i -= 1) draws[i]!();
    this.placed = placed;
  }

  /** What a tap at (x, y) meets: a node before anything else, as on the map. */
  hit(x: number, y: number): PreviewHit | null {
    let best: Placed | null = null;
    for (const item of this.placed) {
      const d = Math.hypot(item.x - x, item.y - y);
      // A finger is wider than a pixel: look around the tap.
      if (d > item.r + 10) continue;
      const rank = (h: PreviewHit) => (h.kind === 'node' ? 0 : 1);
      if (!best || rank(item.hit) < rank(best.hit)) best = item;
    }
    return best?.hit ?? null;
  }

  /** The street names the last paint wrote on screen. */
  streets(): string[] {
    return this.shownStreets;
  }

  visible(): { nodes: VisibleNode[]; clusters: VisibleCluster[] } {
    const nodes = new Map(this.shownNodes.map((n) => [n.id, n]));
    const clusters = new Map(this.shownClusters.map((c) => [c.key, c]));
    return { nodes: [...nodes.values()], clusters: [...clusters.values()] };
  }

  private basemapUrl(content: PreviewContent): string {
    return `${content.origin}/tiles/basemap/{z}/{x}/{y}.mvt`;
  }

  private contentUrl(content: PreviewContent): string {
    return tileUrl(
      content.origin,
      offeredContent(content.capabilities),
      content.filters,
      content.tileVersion,
    );
  }

  private wantedTiles(camera: Camera, content: PreviewContent): Array<{ url: string }> {
    const urls = new Set<string>();
    const add = (template: string, maxZoom: number) => {
      for (const t of coveringTiles(camera, maxZoom)) urls.add(fill(template, t));
    };
    if (content.capabilities.vectorBasemap) add(this.basemapUrl(content), basemapMaxZoom);
    add(this.contentUrl(content), contentMaxZoom);
    return [...urls].map((url) => ({ url }));
  }

  private layerTiles(camera: Camera, template: string, maxZoom: number) {
    const out: Array<{ tile: DecodedTile; address: TileAddress }> = [];
    for (const address of coveringTiles(camera, maxZoom)) {
      const tile = this.decoded.get(fill(template, address));
      if (tile) out.push({ tile, address });
    }
    return out;
  }

  private async fetchTile(url: string, signal: AbortSignal): Promise<DecodedTile | null> {
    try {
      const response = await fetch(url, { signal });
      if (!response.ok) throw new Error(String(response.status));
      const bytes = new Uint8Array(await response.arrayBuffer());
      const tile = new VectorTile(new PbfReader(bytes));
      const layers: Record<string, VectorTileFeature[]> = {};
      let extent = 4096;
      for (const [name, layer] of Object.entries(tile.layers)) {
        extent = layer.extent;
        // Geometry is decoded now, as each tile arrives, not all at once when the picture is
        // painted (one long task on a slow phone).
        layers[name] = Array.from({ length: layer.length }, (_, i) => {
          const feature = layer.feature(i);
          geometry(feature);
          return feature;
        });
      }
      const decoded = { layers, extent };
      this.decoded.set(url, decoded);
      return decoded;
    } catch {
      // Superseded or failed: the next draw asks again.
      this.tiles.delete(url);
      return null;
    }
  }

  /** Screen positions of point features that lie inside their own tile (buffers repeat them). */
  private points(
    camera: Camera,
    items: Array<{ feature: VectorTileFeature; address: TileAddress; extent: number }>,
  ) {
    const out: Array<{ feature: VectorTileFeature; x: number; y: number; point: MapPoint }> = [];
    for (const { feature, address, extent } of items) {
      if (feature.type !== 1) continue;
      const { scale, left, top } = tileFrame(camera, address, extent);
      for (const ring of geometry(feature)) {
        for (const pt of ring) {
          if (pt.x < 0 || pt.y < 0 || pt.x >= extent || pt.y >= extent) continue;
          const x = left + pt.x * scale;
          const y = top + pt.y * scale;
          out.push({ feature, x, y, point: pointAtScreen(camera, x, y) });
        }
      }
    }
    return out;
  }

  /** The OpenStreetMap layers as MapLibre draws them (maplibre-style.ts osmLayers), same colours. */
  private paintOsm(
    g: CanvasRenderingContext2D,
    camera: Camera,
    basemap: Array<{ feature: VectorTileFeature; address: TileAddress; extent: number }>,
    p: Palette,
    zoom: number,
  ): void {
    const kind = (k: string) => (f: VectorTileFeature) => f.properties.kind === k;
    const cls = (f: VectorTileFeature) => String(f.properties.class);
    const landuse = basemap.filter((i) => i.feature.properties.kind === 'landuse');
    this.fill(g, camera, landuse, (f) => builtUpClasses.includes(cls(f)), p.builtUp, 1);
    this.fill(g, camera, landuse, (f) => forestClasses.includes(cls(f)), p.forest, 1);
    this.fill(
      g,
      camera,
      landuse,
      (f) =>
        !forestClasses.includes(cls(f)) &&
        !builtUpClasses.includes(cls(f)) &&
        cls(f) !== 'farmland',
      p.park,
      1,
    );
    this.fill(g, camera, basemap, kind('water_area'), p.water, 1);
    for (const [c, w] of [
      ['river', 16],
      ['canal', 10],
    ] as const) {
      const width = interpolate(zoom, [
        [8, 0.8],
        [18, w],
      ]);
      this.stroke(
        g,
        camera,
        basemap,
        (f) => kind('waterway')(f) && cls(f) === c,
        p.water,
        width,
        1,
      );
    }
    this.stroke(
      g,
      camera,
      basemap,
      (f) => kind('waterway')(f) && !['river', 'canal'].includes(cls(f)),
      p.water,
      interpolate(zoom, [
        [8, 0.8],
        [18, 3],
      ]),
      1,
    );
    if (zoom >= 13) {
      this.fill(
        g,
        camera,
        basemap,
        kind('building'),
        p.building,
        interpolate(zoom, [
          [13, 0.4],
          [15, 1],
        ]),
      );
    }
    const roads = basemap.filter((i) => i.feature.properties.kind === 'road');
    const classes = [...new Set(roads.map((i) => cls(i.feature)))].sort(
      (a, b) => roadWidthAt(a, 18) - roadWidthAt(b, 18),
    );
    const street = (c: string) => !lineRoads.includes(c as RoadClass);
    g.lineCap = 'round';
    g.lineJoin = 'round';
    if (zoom >= 12) {
      for (const c of classes.filter(street)) {
        this.stroke(
          g,
          camera,
          roads,
          (f) => cls(f) === c,
          p.roadCasing,
          roadWidthAt(c, zoom) + 0.3 + (2 * (1.5 ** (zoom - 12) - 1)) / (1.5 ** 6 - 1),
          1,
        );
      }
    }
    for (const c of classes.filter((c) => !street(c))) {
      this.stroke(
        g,
        camera,
        roads,
        (f) => cls(f) === c,
        ['path', 'track'].includes(c) ? p.path : p.rail,
        roadWidthAt(c, zoom),
        1,
      );
    }
    for (const c of classes.filter(street)) {
      const color = majorRoads.includes(c as RoadClass) ? p.roadMajor : p.roadMinor;
      this.stroke(g, camera, roads, (f) => cls(f) === c, color, roadWidthAt(c, zoom), 1);
    }
    g.lineCap = 'butt';
    g.lineJoin = 'miter';
  }

  /**
   * Names along streets (from z13) and rivers (from z12), as MapLibre's line symbols write
   * them (maplibre-style.ts osmLabelLayers): major roads claim their place first, a name is
   * placed only where its own tile holds it (buffers repeat lines) and not again within
   * 250 px. Returns the draws; claims through `claim` so names never cover each other or a
   * node.
   */
  private lineNames(
    g: CanvasRenderingContext2D,
    camera: Camera,
    basemap: Array<{ feature: VectorTileFeature; address: TileAddress; extent: number }>,
    p: Palette,
    zoom: number,
    claim: (x: number, y: number, w: number, h: number, pad: number) => boolean,
  ): Array<() => void> {
    const roadSize = interpolate(zoom, [
      [13, 10],
      [18, 14],
    ]);
    const rank = (f: VectorTileFeature) => {
      const kind = f.properties.kind;
      const cls = String(f.properties.class);
      if (typeof f.properties.name !== 'string' || f.properties.name === '') return -1;
      if (kind === 'road' && zoom >= 13 && !['rail', 'subway', 'tram'].includes(cls)) {
        return majorRoads.includes(cls as RoadClass) ? 0 : 1;
      }
      if (kind === 'waterway' && zoom >= 12) return 2;
      return -1;
    };
    const candidates = basemap
      .filter((i) => i.feature.type === 2 && rank(i.feature) >= 0)
      .sort((a, b) => rank(a.feature) - rank(b.feature));
    const spacing = new NameSpacing(250);
    const streets = new NameSpacing(0);
    const draws: Array<() => void> = [];
    for (const { feature, address, extent } of candidates) {
      const name = String(feature.properties.name);
      const water = feature.properties.kind === 'waterway';
      const size = water ? 12 : roadSize;
      const style = `${water ? 'italic ' : ''}500 ${size.toFixed(1)}px ${mapFont}`;
      const width = textWidth(style, name);
      const { scale, left, top } = tileFrame(camera, address, extent);
      const span = extent * scale;
      for (const ring of geometry(feature)) {
        const line = ring.map((pt) => ({ x: left + pt.x * scale, y: top + pt.y * scale }));
        const place = placeAlongLine(line, width + 8);
        if (!place) continue;
        if (place.x < left || place.y < top || place.x >= left + span || place.y >= top + span) {
          continue;
        }
        if (!spacing.free(name, place)) continue;
        const box = turnedBox(place, width, size + 2);
        if (!claim(box.x, box.y, box.w, box.h, 2)) continue;
        spacing.add(name, place);
        const onScreen =
          place.x >= 0 && place.y >= 0 && place.x <= camera.width && place.y <= camera.height;
        if (!water && onScreen) streets.add(name, place);
        draws.push(() => {
          g.save();
          g.translate(place.x, place.y);
          g.rotate(place.angle);
          g.font = style;
          g.textAlign = 'center';
          g.textBaseline = 'middle';
          g.lineJoin = 'round';
          g.lineWidth = 2.8;
          g.strokeStyle = p.halo;
          g.strokeText(name, 0, 0);
          g.fillStyle = water ? p.waterLabel : p.roadLabel;
          g.fillText(name, 0, 0);
          g.restore();
        });
      }
    }
    this.shownStreets = streets.names();
    return draws;
  }

  private fill(
    g: CanvasRenderingContext2D,
    camera: Camera,
    items: Array<{ feature: VectorTileFeature; address: TileAddress; extent: number }>,
    keep: (feature: VectorTileFeature) => boolean,
    color: string,
    opacity: number,
  ): void {
    this.trace(g, camera, items, 3, keep, opacity < 1, () => {
      g.globalAlpha = opacity;
      g.fillStyle = color;
      g.fill('evenodd');
    });
  }

  private stroke(
    g: CanvasRenderingContext2D,
    camera: Camera,
    items: Array<{ feature: VectorTileFeature; address: TileAddress; extent: number }>,
    keep: (feature: VectorTileFeature) => boolean,
    color: string,
    width: number,
    opacity: number,
  ): void {
    this.trace(g, camera, items, 0, keep, opacity < 1, () => {
      g.globalAlpha = opacity;
      g.strokeStyle = color;
      g.lineWidth = width;
      g.stroke();
    });
  }

  /** Build a path per tile (clipped to it, so buffers are not drawn twice) and finish it. */
  private trace(
    g: CanvasRenderingContext2D,
    camera: Camera,
    items: Array<{ feature: VectorTileFeature; address: TileAddress; extent: number }>,
    polygons: 0 | 3,
    keep: (feature: VectorTileFeature) => boolean,
    clip: boolean,
    finish: () => void,
  ): void {
    const byTile = new Map<string, typeof items>();
    for (const item of items) {
      const type = item.feature.type;
      if ((polygons === 3 ? type !== 3 : type !== 2 && type !== 3) || !keep(item.feature)) continue;
      const key = `${item.address.z}/${item.address.x}/${item.address.y}`;
      const list = byTile.get(key) ?? [];
      list.push(item);
      byTile.set(key, list);
    }
    for (const list of byTile.values()) {
      const { address, extent } = list[0]!;
      const { scale, left, top } = tileFrame(camera, address, extent);
      g.save();
      // Translucent paint is clipped to its tile (neighbours repeat a buffer around the edge,
      // drawn twice it would show darker); opaque paint is not (a clip's soft edge leaves seams).
      if (clip) {
        g.beginPath();
        g.rect(left, top, extent * scale, extent * scale);
        g.clip();
      }
      g.beginPath();
      // Points closer than half a pixel to the last one drawn add nothing but work.
      const step = 0.5 / scale;
      for (const { feature } of list) {
        for (const ring of geometry(feature)) {
          let lastX = Number.NaN;
          let lastY = Number.NaN;
          ring.forEach((pt, i) => {
            if (
              i > 0 &&
              i < ring.length - 1 &&
              Math.abs(pt.x - lastX) < step &&
              Math.abs(pt.y - lastY) < step
            ) {
              return;
            }
            lastX = pt.x;
            lastY = pt.y;
            const x = left + pt.x * scale;
            const y = top + pt.y * scale;
            if (i === 0) g.moveTo(x, y);
            else g.lineTo(x, y);
          });
          if (feature.type === 3) g.closePath();
        }
      }
      finish();
      g.restore();
    }
  }
}

function fill(template: string, t: TileAddress): string {
  return template
    .replace('{z}', String(t.z))
    .replace('{x}', String(t.wrappedX))
    .replace('{y}', String(t.y));
}

/** Where a tile's corner lies on screen and how many CSS pixels one tile unit takes. */
function tileFrame(camera: Camera, t: TileAddress, extent: number) {
  const span = tilePixels * 2 ** (camera.zoom - t.z);
  const c = worldPixel(camera, camera.zoom);
  return {
    scale: span / extent,
    left: t.x * span - c.x + camera.width / 2,
    top: t.y * span - c.y + camera.height / 2,
  };
}
