// What the browser tests share about the map page.
import { type Browser, type BrowserContext, expect, type Page } from '@playwright/test';

/** The first view is a picture of the map; MapLibre starts when someone reaches for it, as a
 * mouse moving over the map does. Resolves once MapLibre has taken over and loaded. */
export async function waitForMap(page: Page): Promise<void> {
  const region = page.locator('[data-preview]');
  await expect(region).toBeVisible();
  const area = await region.boundingBox();
  if (area) await page.mouse.move(area.x + area.width / 2, area.y + area.height / 2);
  await expect(region).toHaveAttribute('data-preview', 'gone', { timeout: 30_000 });
  await expect(page.locator('canvas.maplibregl-canvas')).toBeVisible();
  await page.waitForFunction(
    () => (window as { __wgMap?: { loaded(): boolean } }).__wgMap?.loaded() === true,
    null,
    { timeout: 30_000 },
  );
}

export const issuerOrigin = new URL(process.env.E2E_OIDC_ISSUER ?? 'http://localhost:3003').origin;

/** Signs a demo user in through the real provider's login page and back to the app. */
export async function signInAsDemo(page: Page, username: string): Promise<void> {
  const appOrigin = new URL(page.url()).origin;
  await page.getByRole('banner').getByRole('link', { name: 'Anmelden' }).click();
  await page.waitForURL((url) => url.origin === issuerOrigin);
  await page.locator('input[name=login]').fill(username);
  await page.locator('input[name=password]').fill('demo');
  await page.locator('button[type=submit]', { hasText: 'Anmelden' }).click();
  await page.waitForURL((url) => url.origin === appOrigin);
}

/** Records requests of `context` to any host but the app's and the login provider's. */
export function watchForeignRequests(
  context: BrowserContext,
  appOrigin: string,
  foreign: string[],
): void {
  context.on('request', (request) => {
    const url = request.url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    const origin = new URL(url).origin;
    if (origin !== appOrigin && origin !== issuerOrigin) foreign.push(url);
  });
}

/** A person in a browser of their own (`options`: e.g. phone size), signed in at `path`. */
export async function personAt(
  browser: Browser,
  options: Parameters<Browser['newContext']>[0],
  path: string,
  who: string,
  foreign: string[],
  app: string,
): Promise<Page> {
  const context = await browser.newContext(options);
  watchForeignRequests(context, app, foreign);
  const page = await context.newPage();
  await page.goto(path);
  await signInAsDemo(page, who);
  return page;
}

/** Ties a Knoten through the app's own tRPC endpoint as the person signed in on `page`. */
export async function createNode(page: Page, title: string, lat: number, lon: number) {
  return await page.evaluate(
    async (input) => {
      const response = await fetch('/trpc/nodes.create', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      const json = await response.json();
      if (!response.ok) throw new Error(JSON.stringify(json));
      return json.result.data as { id: string };
    },
    { operationId: crypto.randomUUID(), kind: 'place', title, lat, lon },
  );
}
