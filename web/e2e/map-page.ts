// What the browser tests share about the map page.
import { expect, type Page } from '@playwright/test';

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
