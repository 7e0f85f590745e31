// Share, embed and export end to end against the whole stack behind Caddy (phone and desktop):
// a shared Knoten link opens exactly there and carries its card in the server's HTML, the embed
// map works inside another site's frame while every other page refuses to be framed, and the
// export links download the data with its licence. The page asks no other host for anything.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BrowserContext, expect, test } from '@playwright/test';
import { issuerOrigin } from './map-page';

interface Feature {
  id: string;
  properties: { title: string; url: string };
}

/**
 * Another site: the same loopback server under its other name, so a different origin that
 * Chromium still counts as the local network (a public origin may not frame a local one at all).
 */
function otherSiteOf(baseURL: string): string {
  const url = new URL(baseURL);
  url.hostname = url.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
  return url.origin;
}

/** Requests of our pages to any host but ours (the other site's own page excepted). */
function watchForeign(
  context: BrowserContext,
  appOrigin: string,
  otherSite = otherSiteOf(appOrigin),
): string[] {
  const OTHER_SITE = otherSite;
  const foreign: string[] = [];
  context.on('request', (request) => {
    const url = request.url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    const origin = new URL(url).origin;
    if (origin === appOrigin || origin === issuerOrigin || origin === OTHER_SITE) return;
    foreign.push(url);
  });
  return foreign;
}

/** A Hamburg node from the export whose title needs no HTML escaping. */
async function someHamburgNode(request: import('@playwright/test').APIRequestContext) {
  const res = await request.get('/export/nodes.geojson?weavery=hamburg');
  expect(res.status()).toBe(200);
  const doc = (await res.json()) as { license: string; features: Feature[] };
  expect(doc.license).toBe('ODbL-1.0');
  const node = doc.features.find((f) => /^[\p{L}\p{N} .-]+$/u.test(f.properties.title));
  expect(node, 'a demo node in Hamburg').toBeTruthy();
  return node!;
}

test('a shared Knoten link opens exactly there and its card is in the server HTML', async ({
  page,
  context,
  request,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const foreign = watchForeign(context, new URL(baseURL!).origin);
  const node = await someHamburgNode(request);
  const title = node.properties.title;

  // What a chat app sees: no script runs, the server's HTML carries the card.
  const html = await (await request.get(`/?knoten=${node.id}`)).text();
  expect(html).toContain(`<meta property="og:title" content="${title} – Weltgewebe"`);
  expect(html).toContain(`<meta name="twitter:title" content="${title} – Weltgewebe"`);
  expect(html).toContain('<meta name="twitter:card" content="summary"');
  expect(html).toMatch(new RegExp(`<meta property="og:url" content="[^"]*/\\?knoten=${node.id}"`));
  // An unknown node gives the site's own card, never an error page.
  const unknown = await request.get(`/?knoten=${crypto.randomUUID()}`);
  expect(unknown.status()).toBe(200);
  expect(await unknown.text()).toContain(
    '<meta property="og:title" content="Weltgewebe – Karte der Gemeingüter"',
  );

  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  await page.goto(`/?knoten=${node.id}`);
  const sheet = page.getByTestId('node-sheet');
  await expect(sheet.getByRole('heading', { name: title })).toBeVisible();
  const box = sheet.getByTestId('share-box');
  await box.getByText('Teilen und einbetten').click();
  const link = await box.getByTestId('share-link').inputValue();
  // The view hash comes along once the map has reported one (a phone may still show its picture).
  expect(link).toMatch(new RegExp(`/\\?knoten=${node.id}(#[0-9./-]+)?$`));
  // force: the sheet keeps settling while the map loads behind it, longer than Playwright's
  // stability wait; the click is still a real one (the clipboard needs a user gesture).
  await box.getByTestId('share-copy-link').click({ force: true });
  await expect(box.getByRole('status')).toHaveText('Kopiert.');
  // The clipboard holds the Knoten's link as the field showed it when copied; the field follows
  // the view, so its hash may have moved on since (the map still settling) — the Knoten may not.
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toMatch(new RegExp(`/\\?knoten=${node.id}(#[0-9./-]+)?$`));
  expect(copied.split('#')[0]).toBe(
    (await box.getByTestId('share-link').inputValue()).split('#')[0],
  );
  await expect(box.getByTestId('share-embed')).toHaveValue(/^<iframe src="[^"]+\/embed\?bbox=/);

  // The copied link (with its view) opens exactly there again.
  await page.goto('about:blank');
  await page.goto(link);
  await expect(page.getByTestId('node-sheet').getByRole('heading', { name: title })).toBeVisible();
  expect(foreign).toEqual([]);
});

test('only the embed page may be framed: its headers, and clear errors for a broken snippet', async ({
  request,
}) => {
  const embed = await request.get('/embed?weavery=hamburg');
  expect(embed.status()).toBe(200);
  expect(embed.headers()['x-frame-options']).toBeUndefined();
  expect(embed.headers()['content-security-policy']).toContain('frame-ancestors *');
  const home = await request.get('/');
  expect(home.headers()['x-frame-options']).toBe('DENY');
  expect(home.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
  expect((await request.get('/embed?bbox=1,2,3')).status()).toBe(400);
  expect((await request.get('/embed?weavery=atlantis')).status()).toBe(404);
});

/** Serves one page from a real loopback server of its own: another origin, as another site would be. */
async function otherSiteServing(
  html: string,
): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('the embed map works inside another site, every other page refuses to be framed', async ({
  page,
  context,
  baseURL,
}) => {
  // Another site (its own server and origin) that frames our embed page and, against the rules,
  // our map. (A page made up by the browser itself has no network address; Chromium then does
  // not let it frame a local one at all, so the other site is a real server.)
  const otherSite = await otherSiteServing(`<!doctype html><h1>Nachbarschaftsverein</h1>
        <iframe name="embed" src="${baseURL}/embed?weavery=hamburg" width="360" height="420"></iframe>
        <iframe name="plain" src="${baseURL}/" width="360" height="200"></iframe>`);
  try {
    const foreign = watchForeign(context, new URL(baseURL!).origin, otherSite.origin);
    await page.goto(`${otherSite.origin}/verein/karte.html`);
    const framed = page.frameLocator('iframe[name=embed]');
    await expect(framed.getByTestId('embed-open')).toHaveText(/Ortsweberei Hamburg/);
    await expect(framed.getByTestId('embed-open')).toHaveAttribute('href', '/w/hamburg');
    // The map's first picture is drawn from our own tiles inside the frame.
    await expect(framed.locator('[data-preview]')).toHaveAttribute('data-preview', /drawn|gone/, {
      timeout: 30_000,
    });
    // No sign-in and no commands in the embed.
    await expect(framed.getByRole('link', { name: 'Anmelden' })).toHaveCount(0);
    // The map page itself is refused: Chromium shows its error page in that frame.
    await expect
      .poll(() => page.frame({ name: 'plain' })?.url() ?? '', { timeout: 15_000 })
      .toMatch(/^chrome-error:/);
    expect(foreign).toEqual([]);
  } finally {
    await otherSite.close();
  }
});

test('a weavery exports its nodes and events from the share box', async ({ page }) => {
  await page.goto('/w/hamburg');
  const panel = page.getByRole('dialog', { name: 'Ortsweberei Hamburg' });
  const box = panel.getByTestId('share-box');
  await box.getByText('Teilen und einbetten').click();
  await expect(box.getByTestId('share-embed')).toHaveValue(/\/embed\?weavery=hamburg"/);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    box.getByTestId('export-csv').click({ force: true }),
  ]);
  expect(download.suggestedFilename()).toBe('weltgewebe-hamburg.csv');
  const csv = await readFile((await download.path())!, 'utf8');
  const [licence, header, first] = csv.split('\r\n');
  expect(licence).toMatch(/^# Daten: © Weltgewebe-Mitwirkende, lizenziert unter ODbL-1\.0/);
  expect(header).toBe(
    'id,kind,title,summary,address,topics,lat,lon,starts_at,ends_at,updated_at,url',
  );
  expect(first).toMatch(/^[0-9a-f-]{36},(place|resource|project|event),/);
  await expect(box.getByTestId('export-ics')).toHaveAttribute(
    'href',
    '/export/events.ics?weavery=hamburg',
  );
});
