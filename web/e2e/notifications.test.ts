// In-app notifications reach the person they are for without a reload: weaver A looks at a node
// of theirs, reader B writes in its conversation from another browser, and A's notifications
// button shows the unread count (then the open list takes the next message in too). Nothing
// is asked of a host other than the app's and the login provider's.
import { type BrowserContext, expect, type Page, test } from '@playwright/test';
import { issuerOrigin, signInAsDemo, waitForMap } from './map-page';

interface MapWindow extends Window {
  __wgMap?: { loaded(): boolean };
  __sameDocument?: boolean;
}

function watchForeignRequests(context: BrowserContext, appOrigin: string, foreign: string[]): void {
  context.on('request', (request) => {
    const url = request.url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    const origin = new URL(url).origin;
    if (origin !== appOrigin && origin !== issuerOrigin) foreign.push(url);
  });
}

async function signIn(page: Page, username: 'reader' | 'weaver'): Promise<void> {
  await signInAsDemo(page, username);
  await waitForMap(page);
}

/** A tRPC query or mutation from the signed-in page itself (its cookie, its Origin). */
async function call<T>(page: Page, kind: 'query' | 'mutation', path: string, input: unknown) {
  return await page.evaluate(
    async ({ kind, path, input }) => {
      const body = JSON.stringify(input);
      const response =
        kind === 'query'
          ? await fetch(`/trpc/${path}?input=${encodeURIComponent(body)}`)
          : await fetch(`/trpc/${path}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body,
            });
      const json = await response.json();
      if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
      return json.result.data as T;
    },
    { kind, path, input },
  );
}

test('a message by someone else on my node shows up as unread without a reload', async ({
  page,
  browser,
  baseURL,
}) => {
  const appOrigin = new URL(baseURL ?? 'http://localhost:8080').origin;
  const foreign: string[] = [];
  watchForeignRequests(page.context(), appOrigin, foreign);

  // Weaver A ties a node in the middle of their view.
  const lat = 50 + Math.random() * 2.5;
  const lon = 7.5 + Math.random() * 5.5;
  const hash = `#14/${lat.toFixed(5)}/${lon.toFixed(5)}`;
  await page.goto(`/${hash}`);
  await waitForMap(page);
  await signIn(page, 'weaver');
  const title = `Werkzeugkiste ${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const node = await call<{ id: string }>(page, 'mutation', 'nodes.create', {
    operationId: crypto.randomUUID(),
    kind: 'resource',
    title,
    lat: Number(lat.toFixed(5)),
    lon: Number(lon.toFixed(5)),
  });
  // Earlier tests may have left A notifications: start from none unread.
  for (;;) {
    const unread = await call<{ items: Array<{ id: string }> }>(
      page,
      'query',
      'notifications.list',
      {
        limit: 100,
        unreadOnly: true,
      },
    );
    if (unread.items.length === 0) break;
    await call(page, 'mutation', 'notifications.markRead', { ids: unread.items.map((n) => n.id) });
  }
  await page.reload();
  await waitForMap(page);
  const notes = page.getByRole('button', { name: /Benachrichtigungen/ });
  await expect(notes).toHaveAccessibleName('Benachrichtigungen');
  // Marks this document: a reload or navigation would lose it.
  await page.evaluate(() => {
    (window as MapWindow).__sameDocument = true;
  });

  // Reader B, in a browser of their own, opens the node and writes in its conversation.
  const other = await browser.newContext({
    viewport: page.viewportSize() ?? undefined,
    locale: 'de-DE',
  });
  watchForeignRequests(other, appOrigin, foreign);
  const writer = await other.newPage();
  await writer.goto(`/?knoten=${node.id}${hash}`);
  await waitForMap(writer);
  await signIn(writer, 'reader');
  const sheet = writer.getByRole('dialog', { name: title });
  await expect(sheet).toBeVisible();
  const first = `Darf ich mir morgen den Akkuschrauber leihen? (${Date.now().toString(36)})`;
  await sheet.getByLabel('Dein Beitrag').fill(first);
  await sheet.getByRole('button', { name: 'Senden' }).click();
  await expect(sheet.getByTestId('messages')).toContainText(first);

  // A's page, untouched, now says so: well before its once-a-minute look.
  await expect(notes).toHaveAccessibleName('1 – Benachrichtigungen, 1 ungelesen', {
    timeout: 15_000,
  });
  await expect(notes).toContainText('1');
  expect(await page.evaluate(() => (window as MapWindow).__sameDocument)).toBe(true);

  // The list says who wrote where; while it is open, the next message comes in as well.
  await notes.click();
  const list = page.getByRole('dialog', { name: 'Benachrichtigungen' });
  await expect(list).toContainText(`Rike Reader hat bei „${title}“ geschrieben`);
  const second = `Oder übermorgen? (${Date.now().toString(36)})`;
  await sheet.getByLabel('Dein Beitrag').fill(second);
  await sheet.getByRole('button', { name: 'Senden' }).click();
  await expect(list).toContainText(second, { timeout: 15_000 });
  await expect(notes).toHaveAccessibleName('2 – Benachrichtigungen, 2 ungelesen');

  await list.getByRole('button', { name: 'Alle als gelesen markieren' }).click();
  await expect(notes).toHaveAccessibleName('Benachrichtigungen');
  expect(await page.evaluate(() => (window as MapWindow).__sameDocument)).toBe(true);
  await other.close();
  expect(foreign, 'requests to other hosts').toEqual([]);
});
