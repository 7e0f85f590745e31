// The map people open on their phone, end to end against the whole stack behind Caddy — run
// at a phone viewport (390×844, touch) and on desktop: search, reading a node, creating one
// (with field errors), joining, a conversation that reaches a second browser live, placing a
// Garnrolle with a radius (others see only the public point), deep links, dark mode and a
// keyboard-only path. Every test also asserts that no request left for another host.
import { connect, createServer, type Socket } from 'node:net';
import { type BrowserContext, test as base, expect, type Page } from '@playwright/test';
import { issuerOrigin, signInAsDemo, waitForMap } from './map-page';

interface MapHandle {
  loaded(): boolean;
  getCenter(): { lat: number; lng: number };
  getZoom(): number;
  getPaintProperty(layer: string, property: string): unknown;
  queryRenderedFeatures(options?: { layers: string[] }): Array<{
    properties: Record<string, unknown>;
    geometry: { type: string; coordinates: unknown };
  }>;
  querySourceFeatures(
    source: string,
    options: { sourceLayer: string },
  ): Array<{
    properties: Record<string, unknown>;
    geometry: { type: string; coordinates: unknown };
  }>;
}
type MapWindow = Window & { __wgMap?: MapHandle };

/** Records requests to any origin but the app's (the login page of the issuer is allowed). */
function watchForeignRequests(context: BrowserContext, appOrigin: string, foreign: string[]): void {
  context.on('request', (request) => {
    const url = request.url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    const origin = new URL(url).origin;
    if (origin === appOrigin) return;
    if (origin === issuerOrigin) return;
    foreign.push(url);
  });
}

const test = base.extend<{ foreign: string[] }>({
  foreign: [
    async ({ context, baseURL }, use) => {
      const foreign: string[] = [];
      watchForeignRequests(context, new URL(baseURL ?? 'http://localhost:8080').origin, foreign);
      await use(foreign);
      expect(foreign, 'requests to other hosts').toEqual([]);
    },
    { auto: true },
  ],
});

/** Until the map has drawn every tile it asked for (rendered features can be queried). */
async function waitForIdle(page: Page): Promise<void> {
  await waitForMap(page);
  await page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        const map = (
          window as unknown as {
            __wgMap: { once(e: string, f: () => void): void; triggerRepaint(): void };
          }
        ).__wgMap;
        map.once('idle', () => resolve());
        map.triggerRepaint();
        setTimeout(resolve, 10_000);
      }),
  );
}

async function signIn(page: Page, username: 'reader' | 'weaver' | 'admin'): Promise<void> {
  await signInAsDemo(page, username);
  await waitForMap(page);
}

async function shot(page: Page, name: string): Promise<void> {
  const project = test.info().project.name;
  await page.screenshot({ path: `test-results/screens/${project}-${name}.png` });
}

/** A random detail view over Germany, so runs do not pile up on one spot. */
function germanView(zoom = 14): { hash: string; lat: number; lon: number } {
  const lat = 50 + Math.random() * 2.5;
  const lon = 7.5 + Math.random() * 5.5;
  return { hash: `#${zoom}/${lat.toFixed(5)}/${lon.toFixed(5)}`, lat, lon };
}

const uniqueTitle = (prefix: string) =>
  `${prefix} ${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

async function createNode(
  page: Page,
  fields: { title: string; summary?: string; address?: string; body?: string; topics?: string[] },
): Promise<void> {
  await page.getByRole('button', { name: /Knoten knüpfen in der Kartenmitte/ }).click();
  const form = page.getByRole('dialog', { name: 'Knoten knüpfen' });
  await expect(form).toBeVisible();
  await form.getByLabel('Titel').fill(fields.title);
  if (fields.summary) await form.getByLabel('Kurzbeschreibung').fill(fields.summary);
  if (fields.address) await form.getByLabel('Adresse').fill(fields.address);
  for (const topic of fields.topics ?? []) await form.getByLabel(topic, { exact: true }).check();
  if (fields.body) await form.getByLabel('Beschreibung (Markdown)').fill(fields.body);
  await form.getByRole('button', { name: 'Knoten knüpfen' }).click();
  await expect(form).toBeHidden();
  await expect(page.getByRole('dialog', { name: fields.title })).toBeVisible();
}

function metresBetween(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const x = (b.lon - a.lon) * rad * Math.cos(((a.lat + b.lat) / 2) * rad);
  const y = (b.lat - a.lat) * rad;
  return Math.sqrt(x * x + y * y) * 6_371_000;
}

/** The small Hamburg extract the e2e stack imports (db/src/basemap/osm/test-extract.ts). */
const STREETS = { lat: 53.5501, lon: 9.99207, names: ['Gewebestraße', 'Knotenweg', 'Fadenallee'] };

test('streets: at z16 over the imported OSM extract the streets are drawn with their names', async ({
  page,
}) => {
  const glyphs: string[] = [];
  page.on('response', (r) => {
    if (r.url().includes('/glyphs/')) glyphs.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  await page.goto(`/#16/${STREETS.lat}/${STREETS.lon}`);
  await waitForIdle(page);
  const rendered = (layer: string) =>
    page.evaluate(
      (id) =>
        ((window as MapWindow).__wgMap?.queryRenderedFeatures({ layers: [id] }) ?? []).map((f) =>
          String(f.properties.name ?? f.properties.kind),
        ),
      layer,
    );
  // A street name is drawn as text along its line (glyphs from our own host).
  await expect
    .poll(async () => (await rendered('osm-street-names')).filter((n) => STREETS.names.includes(n)))
    .not.toEqual([]);
  expect(await rendered('osm-roads')).toEqual(expect.arrayContaining(['Gewebestraße']));
  expect((await rendered('osm-water')).length).toBeGreaterThan(0);
  expect((await rendered('osm-buildings')).length).toBeGreaterThan(0);
  expect(glyphs.length).toBeGreaterThan(0);
  expect(glyphs.every((g) => g.startsWith('200 /glyphs/DejaVuSans/'))).toBe(true);
  await expect(page.getByText('© OpenStreetMap contributors').first()).toBeVisible();
  await shot(page, 'streets-z16');
});

test('the first view writes the street names along the streets before MapLibre arrives', async ({
  page,
}) => {
  await page.goto(`/#16/${STREETS.lat}/${STREETS.lon}`);
  const region = page.locator('[data-preview]');
  await expect(region).toHaveAttribute('data-preview', 'drawn');
  expect(await page.evaluate(() => 'maplibregl' in window)).toBe(false);
  // The names the picture wrote are its text for a screen reader too.
  await expect(region).toHaveAccessibleDescription(/Gewebestraße/);
  await expect(region).toHaveAccessibleDescription(/Knotenweg/);
  await shot(page, 'first-view-streets-z16');
});

test('search finds Hamburg and flies there', async ({ page }) => {
  await page.goto('/');
  await waitForMap(page);
  const search = page.getByRole('combobox', { name: 'Orte und Knoten suchen' });
  await search.fill('Hamburg');
  const option = page.getByRole('option', { name: /^Hamburg/ }).first();
  await expect(option).toBeVisible();
  await shot(page, 'search');
  await option.click();
  await expect
    .poll(
      () =>
        page.evaluate(() => {
          const c = (window as MapWindow).__wgMap?.getCenter();
          return c ? Math.abs(c.lat - 53.55) + Math.abs(c.lng - 10.0) : 99;
        }),
      { timeout: 20_000 },
    )
    .toBeLessThan(0.3);
  await expect(page).toHaveURL(/#1\d(\.\d+)?\/53\.\d+\/(9|10)\.\d+/);
});

test('a node opens from search and reads; the link restores it after a reload', async ({
  page,
}) => {
  await page.goto('/');
  await waitForMap(page);
  await page.getByRole('combobox', { name: 'Orte und Knoten suchen' }).fill('Offene Werkstatt');
  const option = page.getByRole('option', { name: /Offene Werkstatt/ }).first();
  await expect(option).toBeVisible();
  const title = (await option.locator('span').first().textContent())?.trim() ?? '';
  await option.click();
  const sheet = page.getByRole('dialog', { name: title });
  await expect(sheet).toBeVisible();
  await expect(sheet.getByTestId('node-kind')).not.toBeEmpty();
  await expect(sheet.getByTestId('thread-count')).toContainText(/Fad|Fäden/);
  await expect(sheet.getByRole('heading', { name: 'Gespräch' })).toBeVisible();
  await expect(page).toHaveURL(/\?knoten=[0-9a-f-]{36}#/);
  await waitForMap(page);
  await shot(page, 'node-sheet');

  // Deep link: a reload shows the same node at the same place — once the flight to the
  // node has ended and the URL has stopped moving.
  await waitForIdle(page);
  await expect
    .poll(async () => {
      const first = page.url();
      await page.waitForTimeout(500);
      return first === page.url();
    })
    .toBe(true);
  const before = new URL(page.url());
  await page.reload();
  await waitForMap(page);
  await expect(page.getByRole('dialog', { name: title })).toBeVisible();
  const after = new URL(page.url());
  expect(after.searchParams.get('knoten')).toBe(before.searchParams.get('knoten'));
  expect(after.hash.split('/')[0]).toBe(before.hash.split('/')[0]);

  // Closing the sheet takes the node out of the URL.
  await page.getByRole('button', { name: 'Schließen' }).first().click();
  await expect(page.getByRole('dialog', { name: title })).toBeHidden();
  await expect(page).not.toHaveURL(/knoten=/);
});

test('a weaver creates a node (field errors first), joins it, and a second browser sees a message live', async ({
  page,
  browser,
  baseURL,
  foreign,
}) => {
  const view = germanView();
  await page.goto(`/${view.hash}`);
  await waitForMap(page);
  await signIn(page, 'weaver');
  await expect(page.getByRole('banner')).toContainText('Weber');

  // Bad input: an event without a title and without a start.
  await page.getByRole('button', { name: /Knoten knüpfen in der Kartenmitte/ }).click();
  const form = page.getByRole('dialog', { name: 'Knoten knüpfen' });
  await form.getByLabel('Art').selectOption({ label: 'Veranstaltung' });
  await form.getByRole('button', { name: 'Knoten knüpfen' }).click();
  const titleInput = form.getByLabel('Titel');
  await expect(titleInput).toHaveAttribute('aria-invalid', 'true');
  await expect(form.locator('#node-title-error')).toContainText('Titel');
  await expect(form.getByLabel('Beginn')).toHaveAttribute('aria-invalid', 'true');
  await shot(page, 'create-errors');
  // Topics stop at four.
  for (const topic of ['Natur', 'Essen', 'Energie', 'Kunst'])
    await form.getByLabel(topic, { exact: true }).check();
  await expect(form.getByLabel('Handwerk', { exact: true })).toBeDisabled();
  await form.getByRole('button', { name: 'Abbrechen' }).click();

  const title = uniqueTitle('Gießkannenpool');
  await createNode(page, {
    title,
    summary: 'Gießkannen zum Ausleihen für alle Beete im Block.',
    address: 'Hinterhof, Gartenstraße 5',
    topics: ['Natur', 'Nachbarschaft'],
    body: '## Wie es geht\n\nEinfach **nehmen** und *zurückbringen*.\n\n- Kannen\n- Schläuche\n\n<script>window.__xss = 1</script>',
  });
  const sheet = page.getByRole('dialog', { name: title });
  await expect(sheet.getByTestId('node-summary')).toHaveText(/Gießkannen zum Ausleihen/);
  await expect(sheet.getByTestId('node-address')).toHaveText('Hinterhof, Gartenstraße 5');
  const body = sheet.getByTestId('node-body');
  await expect(body.locator('strong')).toHaveText('nehmen');
  await expect(body.locator('li')).toHaveCount(2);
  await expect(body.locator('script')).toHaveCount(0);
  await expect(body).toContainText('<script>');
  expect(
    await page.evaluate(() => (window as unknown as { __xss?: number }).__xss),
  ).toBeUndefined();

  // Join: a participation thread.
  await sheet.getByRole('button', { name: 'Ich bin dabei' }).click();
  await expect(sheet.getByText('Du bist dabei')).toBeVisible();
  await expect(sheet.getByTestId('thread-count')).toContainText(
    /1 lebendiger Faden|\d+ lebendige Fäden/,
  );
  await shot(page, 'joined');

  // A second, anonymous browser opens the same link and waits for live changes.
  const nodeUrl = new URL(page.url());
  const other = await browser.newContext({
    viewport: page.viewportSize() ?? undefined,
    locale: 'de-DE',
  });
  watchForeignRequests(other, new URL(baseURL ?? 'http://localhost:8080').origin, foreign);
  const viewer = await other.newPage();
  await viewer.goto(`${nodeUrl.pathname}${nodeUrl.search}${nodeUrl.hash}`);
  const viewerSheet = viewer.getByRole('dialog', { name: title });
  await expect(viewerSheet).toBeVisible();
  await expect(viewerSheet.getByText('Noch keine Beiträge')).toBeVisible();
  await expect(viewerSheet.locator('section[data-live="on"]')).toBeVisible({ timeout: 20_000 });

  const text = `Ich bringe morgen zwei Kannen mit (${Date.now().toString(36)})`;
  await sheet.getByLabel('Dein Beitrag').fill(text);
  await sheet.getByRole('button', { name: 'Senden' }).click();
  await expect(sheet.getByTestId('messages')).toContainText(text);
  // Arrives in the other browser without a reload.
  await expect(viewerSheet.getByTestId('messages')).toContainText(text, { timeout: 15_000 });
  await shot(viewer, 'live-message');

  // Retracting leaves a tombstone, here and there.
  await sheet.getByRole('button', { name: 'Zurückziehen' }).click();
  await expect(sheet.getByTestId('messages')).toContainText('Beitrag zurückgezogen');
  await expect(viewerSheet.getByTestId('messages')).toContainText('Beitrag zurückgezogen', {
    timeout: 15_000,
  });
  await other.close();
});

test('a Garnrolle placed with a radius shows others only its public point', async ({
  page,
  browser,
  baseURL,
  foreign,
}) => {
  const view = germanView(14);
  await page.goto(`/${view.hash}`);
  await waitForMap(page);
  await signIn(page, 'reader');

  await page.getByRole('button', { name: 'Garnrolle', exact: true }).click();
  const panel = page.getByRole('dialog', { name: 'Meine Garnrolle' });
  await expect(panel).toBeVisible();
  await panel.getByLabel('Ungefähr (Umkreis)').check();
  await panel.getByTestId('garn-radius').getByText('250 m', { exact: true }).click();
  await expect(panel.getByText('Umkreis: 250 m')).toBeVisible();
  await expect(panel.getByText(/festen Punkt in deiner Gegend/)).toBeVisible();
  // The circle is previewed on the map.
  await expect
    .poll(() =>
      page.evaluate(
        () =>
          (window as MapWindow).__wgMap?.queryRenderedFeatures({ layers: ['garn-circle'] })
            .length ?? 0,
      ),
    )
    .toBeGreaterThan(0);
  // The private place is the middle of the map that the sheet leaves visible: the dark dot.
  await waitForIdle(page);
  const privateLocation = await page.evaluate(() => {
    const f = (window as MapWindow)
      .__wgMap!.queryRenderedFeatures({ layers: ['garn-points'] })
      .find((feature) => feature.properties.role === 'private');
    const [lon, lat] = f!.geometry.coordinates as [number, number];
    return { lat, lon };
  });
  await panel.getByRole('button', { name: /Hier ablegen|Hierher verschieben/ }).click();
  await expect(panel.getByText('Deine Garnrolle ist gespeichert.')).toBeVisible();
  const publicPoint = panel.getByTestId('garn-public-point');
  await expect(publicPoint).toBeVisible();
  const shown = {
    lat: Number(await publicPoint.getAttribute('data-lat')),
    lon: Number(await publicPoint.getAttribute('data-lon')),
  };
  // Within R of the centre of a cell about R wide (core/src/accounts/public-point.ts:
  // maxPublicDistanceM(250) = 250 + 2 × 201 + 100 m).
  expect(metresBetween(shown, privateLocation)).toBeLessThanOrEqual(753);
  await expect(panel.getByTestId('garn-state')).toContainText('Umkreis von 250 m');
  await shot(page, 'garnrolle');

  // Someone else, not signed in, looks at the same place.
  const other = await browser.newContext({
    viewport: page.viewportSize() ?? undefined,
    locale: 'de-DE',
  });
  watchForeignRequests(other, new URL(baseURL ?? 'http://localhost:8080').origin, foreign);
  const viewer = await other.newPage();
  // Between the two places at zoom 13, so both lie on screen even on a phone (the public point
  // may be 750 m away, in the next tile column).
  const middle = {
    lat: (privateLocation.lat + shown.lat) / 2,
    lon: (privateLocation.lon + shown.lon) / 2,
  };
  const points = async () => {
    await viewer.goto(`/#13/${middle.lat.toFixed(6)}/${middle.lon.toFixed(6)}`);
    await waitForIdle(viewer);
    // Everything the anonymous browser received for the accounts layer — drawn or not
    // (the public point may lie under the edge of a phone screen), so the privacy check
    // covers the data itself.
    return viewer.evaluate(() => {
      const map = (window as MapWindow).__wgMap;
      if (!map) return [];
      const received = map
        .querySourceFeatures('gewebe', { sourceLayer: 'accounts' })
        .filter((f) => f.geometry.type === 'Point' && !f.properties.cluster);
      return [...map.queryRenderedFeatures({ layers: ['accounts'] }), ...received].map((f) => {
        const [lon, lat] = (f.geometry as { coordinates: [number, number] }).coordinates;
        return { lat, lon, mapState: f.properties.map_state };
      });
    });
  };
  let seen: Array<{ lat: number; lon: number; mapState: unknown }> = [];
  // The edge drops the cached tile within a second; give it a few looks.
  for (let attempt = 0; attempt < 8; attempt += 1) {
    seen = await points();
    if (seen.some((p) => metresBetween(p, shown) < 10)) break;
    await viewer.waitForTimeout(1000);
  }
  const atPublic = seen.filter((p) => metresBetween(p, shown) < 10);
  expect(atPublic.length).toBeGreaterThan(0);
  expect(atPublic[0]?.mapState).toBe('radius');
  if (metresBetween(shown, privateLocation) > 20) {
    expect(seen.filter((p) => metresBetween(p, privateLocation) < 10)).toEqual([]);
  }
  // Nothing the anonymous page received names the private place.
  const html = await viewer.content();
  expect(html).not.toContain(privateLocation.lat.toFixed(6));
  await shot(viewer, 'garnrolle-anonymous');
  await other.close();
});

test('dark mode follows the device and the toggle', async ({ browser, baseURL, foreign }) => {
  const context = await browser.newContext({
    colorScheme: 'dark',
    viewport:
      test.info().project.name === 'phone'
        ? { width: 390, height: 844 }
        : { width: 1280, height: 800 },
    locale: 'de-DE',
  });
  watchForeignRequests(context, new URL(baseURL ?? 'http://localhost:8080').origin, foreign);
  const page = await context.newPage();
  await page.goto('/#11/53.55/10.0');
  await waitForMap(page);
  await expect(page.locator('html')).toHaveClass(/dark/);
  const water = () =>
    page.evaluate(() =>
      (window as MapWindow).__wgMap?.getPaintProperty('water', 'background-color'),
    );
  expect(await water()).toBe('#0b1726');
  await page.waitForTimeout(1500);
  await shot(page, 'dark');
  // system (dark) → light
  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).not.toHaveClass(/dark/);
  await expect.poll(water).toBe('#a9cbe0');
  // The choice is remembered.
  await page.reload();
  await waitForMap(page);
  await expect(page.locator('html')).not.toHaveClass(/dark/);
  await context.close();
});

test('English via the toggle', async ({ page }) => {
  await page.goto('/');
  await waitForMap(page);
  await page.getByRole('button', { name: /Switch to English/ }).click();
  await expect(page.getByRole('combobox', { name: 'Search places and nodes' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.reload();
  await expect(page.getByRole('banner').getByRole('link', { name: 'Sign in' })).toBeVisible();
  await page.getByRole('button', { name: /Auf Deutsch umschalten/ }).click();
  await expect(page.getByRole('banner').getByRole('link', { name: 'Anmelden' })).toBeVisible();
});

test('keyboard only: tie a node without touching the map', async ({ page }) => {
  await page.goto(`/${germanView().hash}`);
  await waitForMap(page);
  await signIn(page, 'reader');

  const focusedText = () =>
    page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return `${el?.getAttribute('aria-label') ?? ''} ${el?.textContent ?? ''}`
        .replace(/\s+/g, ' ')
        .trim();
    });
  async function tabTo(pattern: RegExp, limit = 40): Promise<void> {
    for (let i = 0; i < limit; i += 1) {
      await page.keyboard.press('Tab');
      if (pattern.test(await focusedText())) return;
    }
    throw new Error(`no focusable element matching ${pattern}`);
  }

  await page.locator('body').focus();
  await tabTo(/Knoten knüpfen in der Kartenmitte/);
  await page.keyboard.press('Enter');
  const form = page.getByRole('dialog', { name: 'Knoten knüpfen' });
  await expect(form.getByLabel('Titel')).toBeFocused();
  const title = uniqueTitle('Tastatur-Knoten');
  await page.keyboard.type(title);
  await page.keyboard.press('Tab');
  await expect(form.getByLabel('Art')).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(form.getByLabel('Art')).toHaveValue('resource');
  await page.keyboard.press('Tab');
  await expect(form.getByLabel('Kurzbeschreibung')).toBeFocused();
  await page.keyboard.type('Ohne Maus angelegt.');
  await tabTo(/^Knoten knüpfen$/);
  await page.keyboard.press('Enter');
  const sheet = page.getByRole('dialog', { name: title });
  await expect(sheet).toBeVisible();
  await expect(sheet.getByTestId('node-kind')).toHaveText('Ressource');
  // The sheet's handle works with the arrow keys on phones.
  if (test.info().project.name === 'phone') {
    await tabTo(/Blatt verschieben/);
    const before = await sheet.getAttribute('data-snap');
    await page.keyboard.press('ArrowUp');
    await expect(sheet).not.toHaveAttribute('data-snap', before ?? '');
  }
  await page.keyboard.press('Escape');
  await expect(sheet).toBeHidden();
});

test('the list view shows what is on the map', async ({ page }) => {
  await page.goto('/#12/53.55/10.0');
  await waitForMap(page);
  await page.getByRole('button', { name: /Liste/ }).click();
  const list = page.getByRole('dialog', { name: 'Was auf der Karte zu sehen ist' });
  await expect(list).toBeVisible();
  await expect(list.getByRole('button').nth(1)).toBeVisible();
  await shot(page, 'list');
});

test('the first view is drawn before MapLibre arrives, lists what is there and answers a tap', async ({
  page,
  browser,
  baseURL,
}) => {
  // A node at the middle of a fresh view, tied by a weaver.
  const view = germanView(15);
  await page.goto(`/${view.hash}`);
  await waitForMap(page);
  await signIn(page, 'weaver');
  const title = uniqueTitle('Vorschau-Knoten');
  await createNode(page, { title });
  // The node sits at the middle of `view` (on phones the map then moved it above the sheet).
  const hash = view.hash;

  // A visitor who has not touched anything sees the node in the picture of the map.
  const visitor = await browser.newContext({
    baseURL,
    ...(test.info().project.name === 'phone'
      ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }
      : { viewport: { width: 1280, height: 800 } }),
  });
  const other = await visitor.newPage();
  await other.goto(`/${hash}`);
  const region = other.locator('[data-preview]');
  await expect(region).toHaveAttribute('data-preview', 'drawn');
  await expect(other.locator('canvas.maplibregl-canvas')).toHaveCount(0);
  expect(await other.evaluate(() => 'maplibregl' in window || '__wgMap' in window)).toBe(false);
  await other.getByRole('button', { name: /Liste/ }).click();
  const list = other.getByRole('dialog', { name: 'Was auf der Karte zu sehen ist' });
  await expect(list.getByRole('button', { name: new RegExp(title) })).toBeVisible();
  await other.keyboard.press('Escape');
  await expect(list).toBeHidden();

  // A tap on it in the picture opens it; the real map then takes over at the same view.
  const box = await region.boundingBox();
  if (!box) throw new Error('map has no box');
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  if (test.info().project.name === 'phone') await other.touchscreen.tap(x, y);
  else await other.mouse.click(x, y);
  await expect(other.getByRole('dialog', { name: title })).toBeVisible();
  await expect(other.locator('canvas.maplibregl-canvas')).toBeVisible();
  await expect(region).toHaveAttribute('data-preview', 'gone');
  const zoomOf = (h: string) => Number(h.replace('#', '').split('/')[0]);
  expect(zoomOf(new URL(other.url()).hash)).toBeCloseTo(zoomOf(hash), 1);
  await visitor.close();
});

test('a weavery page answers whether there are Garnrollen there', async ({ page }) => {
  await page.goto('/w/hamburg');
  const panel = page.getByRole('dialog', { name: 'Ortsweberei Hamburg' });
  await expect(panel).toBeVisible();
  await expect(
    panel.getByRole('heading', { name: 'Gibt es in Hamburg Garnrollen?' }),
  ).toBeVisible();
  await expect(panel.getByTestId('weavery-accounts')).toHaveText(/^(<5|\d+)/);
  const accounts = (await panel.getByTestId('weavery-accounts').textContent()) ?? '';
  const count = /^\d+/.exec(accounts.trim());
  if (count) expect(Number(count[0])).toBeGreaterThanOrEqual(5);
  await waitForMap(page);
  await shot(page, 'weavery');
});

test('an edit that meets a newer version shows what changed and can be applied to it', async ({
  page,
}) => {
  await page.goto(`/${germanView().hash}`);
  await waitForMap(page);
  await signIn(page, 'weaver');
  const title = uniqueTitle('Lastenrad');
  await createNode(page, { title, summary: 'Ein Lastenrad für den Block.' });
  const nodeId = new URL(page.url()).searchParams.get('knoten');
  expect(nodeId).toMatch(/^[0-9a-f-]{36}$/);

  const sheet = page.getByRole('dialog', { name: title });
  await sheet.getByRole('button', { name: 'Bearbeiten' }).click();
  const form = page.getByRole('dialog', { name: 'Knoten bearbeiten' });
  await form
    .getByLabel('Kurzbeschreibung')
    .fill('Ein Lastenrad für alle im Block, mit Kindersitz.');

  // Meanwhile someone else renames it (same call the app makes, from the same session).
  const renamed = `${title} (Ost)`;
  const status = await page.evaluate(
    async ({ id, name }) => {
      const response = await fetch('/trpc/nodes.update', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          id,
          expectedVersion: 1,
          operationId: crypto.randomUUID(),
          title: name,
        }),
      });
      return response.status;
    },
    { id: nodeId, name: renamed },
  );
  expect(status).toBe(200);

  await form.getByRole('button', { name: 'Speichern' }).click();
  const conflict = form.getByTestId('version-conflict');
  await expect(conflict).toBeVisible();
  await expect(conflict).toContainText(`Titel: jetzt „${renamed}“`);
  await shot(page, 'conflict');
  await conflict
    .getByRole('button', { name: 'Meine Änderungen auf den neuen Stand anwenden' })
    .click();
  await expect(form).toBeHidden();
  // The result has both: the other person's title and this person's summary.
  const saved = page.getByRole('dialog', { name: renamed });
  await expect(saved).toBeVisible();
  await expect(saved.getByTestId('node-summary')).toHaveText(/mit Kindersitz/);
});

test('filters, locate-me and the offline banner', async ({ page, context }) => {
  await context.grantPermissions(['geolocation']);
  await context.setGeolocation({ latitude: 53.5511, longitude: 9.9937 });
  await page.goto('/#6/51.2/10.4');
  await waitForMap(page);

  // Filter by kind and topic: the tiles are asked for with ?kinds=&topics=.
  await page.getByRole('button', { name: 'Filter' }).click();
  const panel = page.getByRole('dialog', { name: 'Was soll die Karte zeigen?' });
  const filtered = page.waitForRequest(
    (request) => /\/tiles\/.*kinds=event/.test(request.url()) && /topics=food/.test(request.url()),
  );
  await panel.getByLabel('Veranstaltung').check();
  await panel.getByLabel('Essen', { exact: true }).check();
  await filtered;
  await expect(page).toHaveURL(/kinds=event/);
  await expect(page).toHaveURL(/topics=food/);
  await panel.getByRole('button', { name: 'Alle zeigen' }).click();
  await expect(page).not.toHaveURL(/kinds=/);
  await panel.getByRole('button', { name: 'Schließen' }).click();

  // Locate me: the map goes to the device's position.
  await page.getByRole('button', { name: 'Meinen Standort zeigen' }).click();
  await expect
    .poll(() =>
      page.evaluate(() => {
        const c = (window as MapWindow).__wgMap?.getCenter();
        return c ? Math.abs(c.lat - 53.5511) + Math.abs(c.lng - 9.9937) : 99;
      }),
    )
    .toBeLessThan(0.01);

  // Installable: the service worker is active, and offline is said so.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await context.setOffline(true);
  await expect(page.getByTestId('offline-banner')).toBeVisible();
  await shot(page, 'offline');
  await context.setOffline(false);
  await expect(page.getByTestId('offline-banner')).toBeHidden();
});

test('a map that lost its connection catches up when it is back', async ({
  page,
  browser,
  baseURL,
}) => {
  // The visitor reaches the site through a little TCP relay that can cut every connection, as a
  // tunnel or a sleeping phone does (the browser's offline switch leaves open streams alone).
  const site = new URL(baseURL ?? 'http://localhost:8080');
  const open = new Set<Socket>();
  let cut = false;
  const relay = createServer((client) => {
    if (cut) return client.destroy();
    const upstream = connect(Number(site.port), site.hostname);
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const address = relay.address();
  if (!address || typeof address === 'string') throw new Error('relay has no port');
  const visitor = await browser.newContext({ baseURL: `http://127.0.0.1:${address.port}` });
  try {
    const view = germanView(15);
    const away = await visitor.newPage();
    const subscribed = away.waitForResponse((r) => r.url().includes('/trpc/live.changes'));
    await away.goto(`/${view.hash}`);
    await waitForMap(away);
    await subscribed;
    const interrupted = away.getByTestId('live-interrupted');

    // The connection drops; meanwhile a weaver ties a node in the middle of the visitor's view.
    cut = true;
    for (const socket of open) socket.destroy();
    await expect(interrupted).toBeVisible();
    await page.goto(`/${view.hash}`);
    await waitForMap(page);
    await signIn(page, 'weaver');
    const title = uniqueTitle('Verpasst');
    await createNode(page, { title });

    // Back: the live connection returns and the map reloads what it missed.
    cut = false;
    await expect(interrupted).toBeHidden({ timeout: 30_000 });
    await expect
      .poll(
        () =>
          away.evaluate(
            (wanted) =>
              (
                (window as MapWindow).__wgMap?.queryRenderedFeatures({ layers: ['nodes'] }) ?? []
              ).some((f) => f.properties.title === wanted),
            title,
          ),
        { timeout: 30_000 },
      )
      .toBe(true);
  } finally {
    await visitor.close();
    relay.close();
  }
});

test('tiles that cannot be had are said so, and the map recovers when they come back', async ({
  page,
}) => {
  await page.route(/\/tiles\/[a-z,]+\/\d+\/\d+\/\d+\.mvt/, (route) => route.abort());
  await page.goto('/#11/53.55/10.0');
  const trouble = page.getByText('Ein Teil der Karte konnte nicht geladen werden.');
  await expect(trouble).toBeVisible();
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  await waitForMap(page);
  await expect(trouble).toBeHidden();
});
