// Self-hosted glyphs for MapLibre's text labels (street names along lines): signed distance
// fields of DejaVu Sans (npm dejavu-fonts-ttf, free licence) in the glyph PBF format MapLibre
// reads — 24 px em, 3 px buffer, radius 8, cutoff 0.25 — so the page needs no font host.
// Outlines come from opentype.js; the distance field is computed here from the flattened
// outline (exact distance to segments, inside by non-zero winding).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import opentype from 'opentype.js';

export const GLYPH_FONT = 'DejaVuSans';
/** The ranges a German/European map needs; others answer an empty range. */
export const GLYPH_RANGES = ['0-255', '256-511', '7680-7935', '8192-8447'];

const SIZE = 24;
const BUFFER = 3;
const RADIUS = 8;
const CUTOFF = 0.25;
/** MapLibre places a glyph's top relative to this baseline offset (server glyphs). */
const BASELINE = 25;

let font: opentype.Font | null = null;
function loadFont(): opentype.Font {
  if (!font) {
    const require = createRequire(import.meta.url);
    const path = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
    const buf = readFileSync(path);
    font = opentype.parse(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  }
  return font;
}

type Seg = [number, number, number, number];

/** The outline at SIZE px as line segments (y down, baseline at 0). */
function segmentsOf(path: opentype.Path): Seg[] {
  const segs: Seg[] = [];
  let sx = 0;
  let sy = 0;
  let x = 0;
  let y = 0;
  const to = (nx: number, ny: number) => {
    if (nx !== x || ny !== y) segs.push([x, y, nx, ny]);
    x = nx;
    y = ny;
  };
  for (const c of path.commands) {
    if (c.type === 'M') {
      x = sx = c.x;
      y = sy = c.y;
    } else if (c.type === 'L') to(c.x, c.y);
    else if (c.type === 'Q') {
      const [x0, y0] = [x, y];
      for (let i = 1; i <= 8; i++) {
        const t = i / 8;
        const u = 1 - t;
        to(
          u * u * x0 + 2 * u * t * c.x1 + t * t * c.x,
          u * u * y0 + 2 * u * t * c.y1 + t * t * c.y,
        );
      }
    } else if (c.type === 'C') {
      const [x0, y0] = [x, y];
      for (let i = 1; i <= 10; i++) {
        const t = i / 10;
        const u = 1 - t;
        to(
          u * u * u * x0 + 3 * u * u * t * c.x1 + 3 * u * t * t * c.x2 + t * t * t * c.x,
          u * u * u * y0 + 3 * u * u * t * c.y1 + 3 * u * t * t * c.y2 + t * t * t * c.y,
        );
      }
    } else if (c.type === 'Z') to(sx, sy);
  }
  return segs;
}

function signedDistance(segs: Seg[], px: number, py: number): number {
  let best = Number.POSITIVE_INFINITY;
  let winding = 0;
  for (const [x0, y0, x1, y1] of segs) {
    const dx = x1 - x0;
    const dy = y1 - y0;
    const len = dx * dx + dy * dy;
    const t = len ? Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / len)) : 0;
    const ex = x0 + t * dx - px;
    const ey = y0 + t * dy - py;
    best = Math.min(best, ex * ex + ey * ey);
    if (y0 <= py !== y1 <= py) {
      const cross = x0 + ((py - y0) / (y1 - y0)) * dx;
      if (cross > px) winding += y1 > y0 ? 1 : -1;
    }
  }
  const d = Math.sqrt(best);
  return winding !== 0 ? -d : d;
}

interface Glyph {
  id: number;
  bitmap: Uint8Array;
  width: number;
  height: number;
  left: number;
  top: number;
  advance: number;
}

function renderGlyph(f: opentype.Font, id: number): Glyph | null {
  const g = f.charToGlyph(String.fromCodePoint(id));
  if (!g || g.index === 0) return null;
  const scale = SIZE / f.unitsPerEm;
  const advance = Math.round((g.advanceWidth ?? 0) * scale);
  const path = g.getPath(0, 0, SIZE);
  const box = path.getBoundingBox();
  const segs = segmentsOf(path);
  if (!segs.length || !Number.isFinite(box.x1)) {
    return { id, bitmap: new Uint8Array(), width: 0, height: 0, left: 0, top: 0, advance };
  }
  const left = Math.floor(box.x1);
  const topY = Math.floor(box.y1);
  const width = Math.ceil(box.x2) - left;
  const height = Math.ceil(box.y2) - topY;
  const w = width + 2 * BUFFER;
  const h = height + 2 * BUFFER;
  const bitmap = new Uint8Array(w * h);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const d = signedDistance(segs, left - BUFFER + i + 0.5, topY - BUFFER + j + 0.5);
      bitmap[j * w + i] = Math.max(0, Math.min(255, Math.round(255 - 255 * (d / RADIUS + CUTOFF))));
    }
  }
  // y is down from the baseline, so the glyph's top above the baseline is -topY.
  return { id, bitmap, width, height, left, top: -topY - BASELINE, advance };
}

// Protocol buffers by hand: the glyph format has six small fields.
class Writer {
  bytes: number[] = [];
  varint(n: number) {
    let v = n >>> 0;
    while (v > 0x7f) {
      this.bytes.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    this.bytes.push(v);
  }
  tag(field: number, wire: number) {
    this.varint((field << 3) | wire);
  }
  uint(field: number, n: number) {
    this.tag(field, 0);
    this.varint(n);
  }
  sint(field: number, n: number) {
    this.tag(field, 0);
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }
  raw(field: number, data: ArrayLike<number>) {
    this.tag(field, 2);
    this.varint(data.length);
    for (let i = 0; i < data.length; i++) this.bytes.push(data[i]!);
  }
  text(field: number, s: string) {
    this.raw(field, new TextEncoder().encode(s));
  }
}

const cache = new Map<string, Uint8Array>();

/** The PBF of one 256-code-point range, e.g. `0-255`; null for a malformed range. */
export function glyphRange(range: string): Uint8Array | null {
  const m = /^(\d+)-(\d+)$/.exec(range);
  if (!m) return null;
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (start % 256 !== 0 || end !== start + 255 || end > 65535) return null;
  const hit = cache.get(range);
  if (hit) return hit;
  const f = loadFont();
  const stack = new Writer();
  stack.text(1, GLYPH_FONT);
  stack.text(2, range);
  for (let id = start; id <= end; id++) {
    const g = renderGlyph(f, id);
    if (!g) continue;
    const gw = new Writer();
    gw.uint(1, g.id);
    if (g.bitmap.length) gw.raw(2, g.bitmap);
    gw.uint(3, g.width);
    gw.uint(4, g.height);
    gw.sint(5, g.left);
    gw.sint(6, g.top);
    gw.uint(7, g.advance);
    stack.raw(3, gw.bytes);
  }
  const out = new Writer();
  out.raw(1, stack.bytes);
  const bytes = new Uint8Array(out.bytes);
  cache.set(range, bytes);
  return bytes;
}
