// Icons and labels drawn on a canvas when MapLibre asks for an image it does not have
// (`styleimagemissing`), and straight onto the preview's canvas (map-preview.ts). The image's
// name says what to draw, e.g. `cluster:dark:42` or `label:light:l:Hamburg`; so the map needs no
// sprite sheet and no glyph server.
import { type NodeKind, nodeKindColors } from '$lib/nodes/node-kinds';
import type { Scheme } from '$lib/theme.svelte';
import { palettes } from './map-style';

/** The font of every label drawn on a canvas (here and in the first-view picture). */
export const mapFont = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/** An image: its size in CSS pixels and how to paint it with its top left corner at 0, 0. */
export interface MapImage {
  width: number;
  height: number;
  paint: (g: CanvasRenderingContext2D) => void;
}

let measuring: CanvasRenderingContext2D | null | undefined;
const widths = new Map<string, number>();
/** Text widths, measured once per style and text (the picture is repainted on every pan). */
export function textWidth(style: string, text: string): number {
  const key = `${style}|${text}`;
  const known = widths.get(key);
  if (known !== undefined) return known;
  if (measuring === undefined) measuring = document.createElement('canvas').getContext('2d');
  if (!measuring) return text.length * 7;
  measuring.font = style;
  const width = measuring.measureText(text).width;
  if (widths.size > 5000) widths.clear();
  widths.set(key, width);
  return width;
}

function compactCount(value: number): string {
  if (value >= 10_000) return `${Math.round(value / 1000)}k`;
  if (value >= 1000) return `${(value / 1000).toFixed(1).replace('.0', '')}k`;
  return String(value);
}

function kindIcon(kind: NodeKind): MapImage {
  const size = 26;
  const m = size / 2;
  const paint = (g: CanvasRenderingContext2D) => {
    g.fillStyle = nodeKindColors[kind];
    g.strokeStyle = '#ffffff';
    g.lineWidth = 2;
    g.beginPath();
    if (kind === 'place') {
      g.arc(m, m, 10, 0, Math.PI * 2);
    } else if (kind === 'resource') {
      g.roundRect(3.5, 3.5, size - 7, size - 7, 4);
    } else if (kind === 'project') {
      g.moveTo(m, 1.5);
      g.lineTo(size - 1.5, m);
      g.lineTo(m, size - 1.5);
      g.lineTo(1.5, m);
      g.closePath();
    } else {
      // A star: an event is a moment.
      for (let i = 0; i < 10; i += 1) {
        const r = i % 2 === 0 ? 11.5 : 5.5;
        const a = (Math.PI / 5) * i - Math.PI / 2;
        g.lineTo(m + r * Math.cos(a), m + r * Math.sin(a));
      }
      g.closePath();
    }
    g.fill();
    g.stroke();
  };
  return { width: size, height: size, paint };
}

function clusterBubble(scheme: Scheme, count: number): MapImage {
  const p = palettes[scheme];
  const text = compactCount(count);
  const d = Math.round(26 + Math.min(30, Math.log2(count + 1) * 4));
  const paint = (g: CanvasRenderingContext2D) => {
    g.beginPath();
    g.arc(d / 2, d / 2, d / 2 - 2, 0, Math.PI * 2);
    g.fillStyle = p.cluster;
    g.globalAlpha = 0.9;
    g.fill();
    g.globalAlpha = 1;
    g.lineWidth = 2;
    g.strokeStyle = p.thread;
    g.stroke();
    g.fillStyle = p.clusterText;
    g.font = `700 ${d > 40 ? 14 : 12}px ${mapFont}`;
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText(text, d / 2, d / 2 + 0.5);
  };
  return { width: d, height: d, paint };
}

function spool(scheme: Scheme, label?: string): MapImage {
  const p = palettes[scheme];
  const w = label ? 44 : 22;
  const h = 26;
  const paint = (g: CanvasRenderingContext2D) => {
    // A spool: two flanges and the yarn wound between them.
    g.fillStyle = p.account;
    g.strokeStyle = p.pointStroke;
    g.lineWidth = 1.5;
    g.beginPath();
    g.roundRect(2, 2, 18, 4, 2);
    g.roundRect(2, h - 6, 18, 4, 2);
    g.fill();
    g.stroke();
    g.beginPath();
    g.roundRect(5, 6, 12, h - 12, 2);
    g.fillStyle = p.thread;
    g.fill();
    g.stroke();
    g.strokeStyle = p.account;
    g.lineWidth = 1;
    for (let y = 9; y < h - 7; y += 3) {
      g.beginPath();
      g.moveTo(5.5, y);
      g.lineTo(16.5, y + 1.5);
      g.stroke();
    }
    if (label) {
      g.font = `700 12px ${mapFont}`;
      g.textAlign = 'left';
      g.textBaseline = 'middle';
      g.lineWidth = 3;
      g.strokeStyle = p.halo;
      g.strokeText(label, 22, h / 2);
      g.fillStyle = p.label;
      g.fillText(label, 22, h / 2);
    }
  };
  return { width: w, height: h, paint };
}

const labelStyles: Record<string, string> = {
  c: `600 13px ${mapFont}`,
  l: `600 14px ${mapFont}`,
  s: `500 12px ${mapFont}`,
  w: `italic 600 13px ${mapFont}`,
};

function textLabel(scheme: Scheme, variant: string, text: string): MapImage {
  const p = palettes[scheme];
  const style = labelStyles[variant] ?? labelStyles.s!;
  const label = variant === 'c' ? text.toUpperCase() : text;
  const width = Math.min(240, Math.ceil(textWidth(style, label)) + 8);
  const paint = (g: CanvasRenderingContext2D) => {
    g.font = style;
    g.textBaseline = 'middle';
    g.textAlign = 'center';
    g.lineJoin = 'round';
    g.lineWidth = 3.5;
    g.strokeStyle = p.halo;
    g.strokeText(label, width / 2, 10, width - 4);
    g.fillStyle = variant === 'w' ? p.weavery : p.label;
    g.fillText(label, width / 2, 10, width - 4);
  };
  return { width, height: 20, paint };
}

/** The image for a name, or null for names this module does not know. */
export function mapImage(id: string): MapImage | null {
  const [kind, ...rest] = id.split(':');
  if (kind === 'kind') return kindIcon(rest[0] as NodeKind);
  const scheme: Scheme = rest[0] === 'dark' ? 'dark' : 'light';
  if (kind === 'cluster') return clusterBubble(scheme, Number(rest[1]) || 0);
  if (kind === 'spool') return spool(scheme);
  if (kind === 'spools') return spool(scheme, rest[1] ?? '');
  if (kind === 'label') return textLabel(scheme, rest[1] ?? 's', rest.slice(2).join(':'));
  return null;
}

/** The image for a name as pixels at a device pixel ratio (what MapLibre's addImage takes). */
export function drawMapImage(id: string, ratio: number): ImageData | null {
  const image = mapImage(id);
  if (!image) return null;
  const element = document.createElement('canvas');
  element.width = Math.ceil(image.width * ratio);
  element.height = Math.ceil(image.height * ratio);
  const g = element.getContext('2d', { willReadFrequently: true });
  if (!g) return null;
  g.scale(ratio, ratio);
  image.paint(g);
  return g.getImageData(0, 0, element.width, element.height);
}
