// Where the first-view picture (map-preview.ts) writes a name along a line — a street, a river —
// as MapLibre's line symbols do: on a straight enough stretch that holds the whole text, turned
// along it and kept upright, once per stretch of screen (the same street cut into many OSM ways
// and repeated in every tile's buffer is named once per `spacing`). Pure: screen pixels in,
// placements out.

export interface ScreenPoint {
  x: number;
  y: number;
}

export interface LinePlacement {
  /** The middle of the text. */
  x: number;
  y: number;
  /** Radians, within ±π/2 so the text never stands on its head. */
  angle: number;
}

/** Bends up to this many radians between segments still count as one straight stretch. */
const MAX_BEND = (20 * Math.PI) / 180;

/**
 * The middle of the longest straight stretch of `line` if it is at least `length` pixels
 * long, else null.
 */
export function placeAlongLine(
  line: ReadonlyArray<ScreenPoint>,
  length: number,
): LinePlacement | null {
  let best: { from: number; to: number; run: number } | null = null;
  let from = 0;
  let run = 0;
  for (let i = 1; i < line.length; i += 1) {
    const a = line[i - 1]!;
    const b = line[i]!;
    const d = Math.hypot(b.x - a.x, b.y - a.y);
    if (i > 1) {
      const p = line[i - 2]!;
      const bend = Math.abs(
        normalise(Math.atan2(b.y - a.y, b.x - a.x) - Math.atan2(a.y - p.y, a.x - p.x)),
      );
      if (bend > MAX_BEND) {
        from = i - 1;
        run = 0;
      }
    }
    run += d;
    if (!best || run > best.run) best = { from, to: i, run };
  }
  if (!best || best.run < length) return null;
  // Walk to the half of the stretch.
  let left = best.run / 2;
  for (let i = best.from + 1; i <= best.to; i += 1) {
    const a = line[i - 1]!;
    const b = line[i]!;
    const d = Math.hypot(b.x - a.x, b.y - a.y);
    if (left <= d || i === best.to) {
      const f = d > 0 ? Math.min(1, left / d) : 0;
      const start = line[best.from]!;
      const end = line[best.to]!;
      let angle = Math.atan2(end.y - start.y, end.x - start.x);
      if (angle > Math.PI / 2) angle -= Math.PI;
      else if (angle < -Math.PI / 2) angle += Math.PI;
      return { x: a.x + (b.x - a.x) * f, y: a.y + (b.y - a.y) * f, angle };
    }
    left -= d;
  }
  return null;
}

function normalise(angle: number): number {
  let a = angle;
  while (a > Math.PI) a -= 2 * Math.PI;
  while (a < -Math.PI) a += 2 * Math.PI;
  return a;
}

/** The screen box a text of `width` × `height` turned by `angle` around (x, y) covers. */
export function turnedBox(
  place: LinePlacement,
  width: number,
  height: number,
): { x: number; y: number; w: number; h: number } {
  const c = Math.abs(Math.cos(place.angle));
  const s = Math.abs(Math.sin(place.angle));
  return { x: place.x, y: place.y, w: width * c + height * s, h: width * s + height * c };
}

/** Remembers where each name was written; a name is not written again within `spacing` px. */
export class NameSpacing {
  private readonly placed = new Map<string, ScreenPoint[]>();

  constructor(private readonly spacing: number) {}

  free(name: string, at: ScreenPoint): boolean {
    return !(this.placed.get(name) ?? []).some(
      (p) => Math.hypot(p.x - at.x, p.y - at.y) < this.spacing,
    );
  }

  add(name: string, at: ScreenPoint): void {
    const list = this.placed.get(name) ?? [];
    list.push(at);
    this.placed.set(name, list);
  }

  names(): string[] {
    return [...this.placed.keys()];
  }
}
