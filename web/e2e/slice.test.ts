// The first slice end to end, in a real browser against the whole stack behind Caddy:
// the map page loads self-hosted, a weaver signs in at the real OIDC provider, ties a node by
// tapping the map and sees it drawn from the vector tiles, and the form reports field errors.
import { expect, type Page, test } from '@playwright/test';
import { issuerOrigin, signInAsDemo, waitForMap } from './map-page';

/** The part of the MapLibre map the tests use (window.__wgMap). */
interface MapHandle {
  loaded(): boolean;
  queryRenderedFeatures(
    geometryOrOptions?: unknown,
    options?: { layers: string[] },
  ): Array<{
    properties: Record<string, unknown>;
  }>;
}
type MapWindow = Window & { __wgMap?: MapHandle };

const signIn = signInAsDemo;

/** Taps the map where nothing is drawn (a tap on a node or cluster opens or zooms instead). */
async function tapMapCenter(page: Page): Promise<void> {
  const box = await page.locator('canvas.maplibregl-canvas').boundingBox();
  if (!box) throw new Error('map canvas has no box');
  const spot = await page.evaluate(
    ({ width, height }) => {
      const map = (window as MapWindow).__wgMap;
      const layers = ['nodes', 'node-clusters', 'weavery-labels'];
      for (let ring = 0; ring < 12; ring += 1) {
        for (let step = 0; step < 8; step += 1) {
          const angle = (step / 8) * 2 * Math.PI;
          const x = width / 2 + Math.cos(angle) * ring * 30;
          const y = height / 2 + Math.sin(angle) * ring * 30;
          const near = map?.queryRenderedFeatures(
            [
              [x - 20, y - 20],
              [x + 20, y + 20],
            ],
            { layers },
          );
          if (near && near.length === 0) return { x, y };
        }
      }
      return { x: width / 2, y: height / 2 };
    },
    { width: box.width, height: box.height },
  );
  await page.mouse.click(box.x + spot.x, box.y + spot.y);
}

function renderedTitles(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    ((window as MapWindow).__wgMap?.queryRenderedFeatures({ layers: ['nodes'] }) ?? []).map((f) =>
      String(f.properties.title),
    ),
  );
}

/** Tiles that carry the nodes layer (alone or in a composite such as /tiles/hex,nodes/…). */
const nodeTiles = /\/tiles\/([a-z]+,)*nodes(,[a-z]+)*\/\d+\//;

/** A random view over Germany at a detail zoom, so runs do not pile up on one spot. */
function germanView(): string {
  const lat = 50 + Math.random() * 2.5;
  const lon = 7.5 + Math.random() * 5.5;
  return `#13/${lat.toFixed(5)}/${lon.toFixed(5)}`;
}

test('the map page loads and sends no request to any other host', async ({ page, baseURL }) => {
  const appOrigin = new URL(baseURL ?? 'http://localhost:8080').origin;
  const foreign: string[] = [];
  page.on('request', (request) => {
    const url = request.url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    const origin = new URL(url).origin;
    if (origin === appOrigin) return;
    if (origin === issuerOrigin && request.isNavigationRequest()) return;
    foreign.push(url);
  });

  const basemap = page.waitForResponse(
    // The GeoJSON countries, or the vector basemap once the edge serves it with data.
    (response) =>
      (response.url().includes('/basemap/countries.geojson') ||
        response.url().includes('/tiles/basemap/')) &&
      response.ok(),
  );
  await page.goto('/');
  await expect(page).toHaveTitle(/Weltgewebe/);
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await basemap;
  await waitForMap(page);

  // Germany is in view and the land is drawn from our own basemap.
  await expect
    .poll(() =>
      page.evaluate(
        () => (window as MapWindow).__wgMap?.queryRenderedFeatures({ layers: ['land'] }).length,
      ),
    )
    .toBeGreaterThan(0);
  await expect(page.getByRole('banner').getByRole('link', { name: 'Anmelden' })).toBeVisible();

  // An anonymous tap explains how to take part.
  await tapMapCenter(page);
  await expect(page.getByText('Melde dich an, um einen Knoten zu knüpfen.')).toBeVisible();

  expect(foreign).toEqual([]);
});

test('a weaver ties a node by tapping the map and it stays drawn after a reload', async ({
  page,
}) => {
  const tileUrlsSeen = new Set<string>();
  page.on('request', (request) => {
    if (nodeTiles.test(request.url())) tileUrlsSeen.add(request.url());
  });

  const view = germanView();
  await page.goto(`/${view}`);
  await waitForMap(page);
  await signIn(page, 'weaver');
  await expect(page.getByRole('banner')).toContainText('Weber');
  // The login brought us back to the same spot on the map.
  expect(new URL(page.url()).hash).toMatch(/^#13(\.00)?\//);
  await waitForMap(page);

  const title = `E2E-Knoten ${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
  await tapMapCenter(page);
  const dialog = page.getByRole('dialog', { name: 'Knoten knüpfen' });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('Titel').fill(title);
  await dialog.getByLabel('Art').selectOption({ label: 'Ort' });
  await dialog.getByLabel('Kurzbeschreibung').fill('Angelegt vom Browsertest.');

  // Tiles asked for after the submit under a URL the page never used: the refetch.
  const seenBefore = new Set(tileUrlsSeen);
  const freshTile = page.waitForResponse(
    (response) =>
      nodeTiles.test(response.url()) &&
      !seenBefore.has(response.url()) &&
      response.status() === 200,
  );
  await dialog.getByRole('button', { name: 'Knoten knüpfen' }).click();
  await expect(dialog).toBeHidden();
  await freshTile;

  await expect.poll(() => renderedTitles(page), { timeout: 20_000 }).toContain(title);

  await page.reload();
  await waitForMap(page);
  await expect(page.getByRole('banner')).toContainText('Weber');
  await expect.poll(() => renderedTitles(page), { timeout: 20_000 }).toContain(title);
});

test('submitting an empty title shows a field error next to Titel', async ({ page }) => {
  await page.goto(`/${germanView()}`);
  await waitForMap(page);
  await signIn(page, 'reader');
  await expect(page.getByRole('banner')).toContainText('Leser');
  await waitForMap(page);

  await tapMapCenter(page);
  const dialog = page.getByRole('dialog', { name: 'Knoten knüpfen' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Knoten knüpfen' }).click();

  const titleInput = dialog.getByLabel('Titel');
  await expect(titleInput).toHaveAttribute('aria-invalid', 'true');
  const describedBy = await titleInput.getAttribute('aria-describedby');
  expect(describedBy).toBeTruthy();
  const error = dialog.locator(`[id="${describedBy}"]`);
  await expect(error).toBeVisible();
  await expect(error).toContainText('Titel');
  await expect(dialog).toBeVisible();

  // Escape closes the form.
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
});
