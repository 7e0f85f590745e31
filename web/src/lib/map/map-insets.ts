// Where the page's sheets and panels cover the map: on phones a sheet covers the lower half, on
// wider screens a panel stands at the left. The camera keeps what matters in the part left open.

/** A rectangle on screen (what getBoundingClientRect gives). */
export interface ScreenRect {
  top: number;
  bottom: number;
  width: number;
  height: number;
}

/** The middle of the part of the map not under a bottom sheet (one nearly as wide as the map),
 * in the map's own pixels. */
export function uncoveredMiddle(
  map: ScreenRect,
  sheet: ScreenRect | null,
): { x: number; y: number } {
  const covered = sheet && sheet.width >= map.width * 0.9 ? Math.max(0, map.bottom - sheet.top) : 0;
  return { x: map.width / 2, y: Math.max(24, (map.height - covered) / 2) };
}

/** Room to leave around a box shown whole: above the half-height sheet on phones, beside a
 * side panel on wider screens. */
export function fitPadding(screen: { phone: boolean; sidePanel: boolean; height: number }) {
  return {
    top: 70,
    right: 60,
    bottom: screen.phone ? Math.round(screen.height * 0.52) + 10 : 40,
    left: screen.sidePanel ? 430 : 40,
  };
}

/** Whether a point at screen height `y` lies outside the strip a phone's sheet leaves open. */
export function underSheet(y: number, mapHeight: number): boolean {
  return y > mapHeight * 0.35 || y < 0;
}

export const isPhone = () => window.matchMedia('(max-width: 767px)').matches;

/** The open sheet or panel, if any. */
export const sheetRect = (): ScreenRect | null =>
  document.querySelector('.wg-sheet')?.getBoundingClientRect() ?? null;

export const sidePanelOpen = () =>
  window.matchMedia('(min-width: 768px)').matches && document.querySelector('.wg-sheet') !== null;
