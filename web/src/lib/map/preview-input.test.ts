// The picture's answer to the hand, without a browser: taps, drags, the wheel, as the person
// would notice them (what opens, where the map goes).
import { describe, expect, test } from 'bun:test';
import type { PreviewHit } from './map-preview';
import { type Camera, type MapPoint, screenPixel } from './map-view';
import { type PointerInput, PreviewInput, wheelZoom } from './preview-input';

const start: Camera = { zoom: 12, lat: 53.55, lon: 10, width: 400, height: 800 };
/** Where the canvas sits on the page. */
const canvas = { left: 10, top: 50 };

function setUp(
  options: { hit?: (x: number, y: number) => PreviewHit | null; camera?: Camera | null } = {},
) {
  let camera = options.camera === undefined ? start : options.camera;
  const calls: Array<{ name: string; value?: unknown }> = [];
  const record = (name: string) => (value?: unknown) => {
    calls.push({ name, value });
  };
  const input = new PreviewInput({
    activate: record('activate'),
    camera: () => camera,
    panTo: (center: MapPoint) => {
      record('panTo')(center);
      if (camera) camera = { ...camera, ...center };
    },
    panEnded: record('panEnded'),
    zoomTo: record('zoomTo'),
    hit: options.hit ?? (() => null),
    select: record('select'),
    weavery: record('weavery'),
    cluster: record('cluster'),
    pick: record('pick'),
  });
  const of = (name: string) => calls.filter((c) => c.name === name).map((c) => c.value);
  return { input, of, camera: () => camera };
}

const press = (
  clientX: number,
  clientY: number,
  more: Partial<PointerInput> = {},
): PointerInput => ({
  pointerId: 1,
  pointerType: 'touch',
  clientX,
  clientY,
  currentTarget: { getBoundingClientRect: () => canvas },
  ...more,
});

function tap(input: PreviewInput, x: number, y: number): void {
  input.pointerdown(press(x, y));
  input.pointerup(press(x, y));
}

describe('a tap on the picture', () => {
  test('on empty ground picks the point under the finger and starts MapLibre', () => {
    const { input, of } = setUp();
    tap(input, canvas.left + 100, canvas.top + 200);
    const [picked] = of('pick') as MapPoint[];
    expect(picked).toBeDefined();
    const at = screenPixel(start, picked!);
    expect(at.x).toBeCloseTo(100, 6);
    expect(at.y).toBeCloseTo(200, 6);
    expect(of('activate').length).toBeGreaterThan(0);
    expect(of('panTo')).toEqual([]);
  });

  test('opens a node, a weavery or zooms into a cluster, asked at canvas coordinates', () => {
    const asked: Array<[number, number]> = [];
    const cluster = { lat: 53.6, lon: 10.1 };
    const { input, of } = setUp({
      hit: (x, y) => {
        asked.push([x, y]);
        if (x < 100) return { kind: 'node', id: 'n1' };
        if (x < 200) return { kind: 'weavery', slug: 'hamburg' };
        if (x < 300) return { kind: 'cluster', point: cluster };
        return null;
      },
    });
    tap(input, canvas.left + 50, canvas.top + 10);
    tap(input, canvas.left + 150, canvas.top + 10);
    tap(input, canvas.left + 250, canvas.top + 10);
    expect(asked).toEqual([
      [50, 10],
      [150, 10],
      [250, 10],
    ]);
    expect(of('select')).toEqual(['n1']);
    expect(of('weavery')).toEqual(['hamburg']);
    expect(of('cluster')).toEqual([cluster]);
    expect(of('pick')).toEqual([]);
  });

  test('a finger that wobbles a little still taps', () => {
    const { input, of } = setUp({ hit: () => ({ kind: 'node', id: 'n1' }) });
    input.pointerdown(press(100, 100));
    input.pointermove(press(103, 104));
    input.pointerup(press(103, 104));
    expect(of('select')).toEqual(['n1']);
    expect(of('panTo')).toEqual([]);
  });

  test('a cancelled press is no tap', () => {
    const { input, of } = setUp();
    input.pointerdown(press(100, 100));
    input.pointercancel();
    input.pointerup(press(100, 100));
    expect(of('pick')).toEqual([]);
  });

  test('before the first view is known nothing is picked', () => {
    const { input, of } = setUp({ camera: null });
    tap(input, 100, 100);
    expect(of('pick')).toEqual([]);
    expect(of('activate').length).toBeGreaterThan(0);
  });
});

describe('a drag over the picture', () => {
  test('pans so the place under the finger stays under it, then settles without a tap', () => {
    const { input, of, camera } = setUp();
    // The finger takes hold of the middle of the map.
    const grabbed = { lat: start.lat, lon: start.lon };
    input.pointerdown(press(canvas.left + 200, canvas.top + 400));
    input.pointermove(press(canvas.left + 240, canvas.top + 430));
    input.pointermove(press(canvas.left + 290, canvas.top + 380));
    const now = screenPixel(camera()!, grabbed);
    expect(now.x).toBeCloseTo(290, 6);
    expect(now.y).toBeCloseTo(380, 6);
    expect(of('panTo')).toHaveLength(2);
    input.pointerup(press(canvas.left + 290, canvas.top + 380));
    expect(of('panEnded')).toHaveLength(1);
    expect(of('pick')).toEqual([]);
  });

  test('a second pointer does not move the map or end the drag', () => {
    const { input, of } = setUp();
    input.pointerdown(press(100, 100));
    input.pointermove(press(200, 200, { pointerId: 2 }));
    input.pointerup(press(200, 200, { pointerId: 2 }));
    expect(of('panTo')).toEqual([]);
    input.pointerup(press(100, 100));
    expect(of('pick')).toHaveLength(1);
  });

  test('a mouse moving over the picture starts MapLibre; a finger starts it by touching', () => {
    const mouse = setUp();
    mouse.input.pointermove(press(10, 10, { pointerType: 'mouse' }));
    expect(mouse.of('activate')).toHaveLength(1);
    const finger = setUp();
    finger.input.pointermove(press(10, 10));
    expect(finger.of('activate')).toEqual([]);
  });
});

describe('the wheel over the picture', () => {
  test('zooms in and out within the map range', () => {
    expect(wheelZoom(12, -300)).toBe(13);
    expect(wheelZoom(12, 150)).toBe(11.5);
    expect(wheelZoom(18.5, -3000)).toBe(19);
    expect(wheelZoom(0.5, 3000)).toBe(0);
  });

  test('keeps the page from scrolling and zooms the picture', () => {
    const { input, of } = setUp();
    let prevented = false;
    input.wheel({ deltaY: -150, preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    expect(of('zoomTo')).toEqual([12.5]);
    expect(of('activate')).toHaveLength(1);
  });

  test('before the first view is known only starts MapLibre', () => {
    const { input, of } = setUp({ camera: null });
    let prevented = false;
    input.wheel({ deltaY: -150, preventDefault: () => (prevented = true) });
    expect(prevented).toBe(false);
    expect(of('zoomTo')).toEqual([]);
    expect(of('activate')).toHaveLength(1);
  });
});
