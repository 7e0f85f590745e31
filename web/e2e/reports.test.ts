// Reports and moderation at phone size through Caddy: reader B reports a Knoten of someone
// else from its sheet, the admin hides it from the queue at /moderation with a note, and B reads the
// outcome in their notifications while the Knoten is gone for them. Nothing is asked of a
// host other than the app's and the login provider's.
import { expect, test } from '@playwright/test';
import { createNode, personAt } from './map-page';

const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'de-DE',
};
test.use(PHONE);

test('a reported Knoten hidden by an admin from the queue: the reporter is told and it is gone', async ({
  browser,
  baseURL,
}) => {
  // Two people sign in through the real provider: slow on a busy machine.
  test.setTimeout(360_000);
  const app = new URL(baseURL ?? 'http://localhost:8080').origin;
  const foreign: string[] = [];
  const lat = Number((48 + Math.random() * 2).toFixed(5));
  const lon = Number((9 + Math.random() * 3).toFixed(5));
  const hash = `#15/${lat}/${lon}`;
  const title = `Werbetafel ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;

  // The admin ties the Knoten (someone else's to the reader) and will work the queue later.
  const admin = await personAt(browser, PHONE, '/moderation', 'admin', foreign, app);
  const node = await createNode(admin, title, lat, lon);

  // B opens the Knoten and reports it.
  // The sheet needs no map: at phone size it covers the map's middle, where a pointer wakes it.
  const reader = await personAt(
    browser,
    PHONE,
    `/?knoten=${node.id}${hash}`,
    'reader',
    foreign,
    app,
  );
  const sheet = reader.getByRole('dialog', { name: title });
  await expect(sheet).toBeVisible();
  await sheet.getByRole('button', { name: 'Melden' }).click();
  const form = sheet.getByRole('form', { name: 'Melden' });
  await form.getByRole('button', { name: 'Meldung senden' }).click();
  await expect(form.getByRole('alert')).toContainText('Bitte wähle einen Grund.');
  await form.getByLabel('Werbung oder Spam').check();
  await form.getByLabel('Was sollte die Moderation wissen?').fill('Nur Reklame für einen Laden.');
  await form.getByRole('button', { name: 'Meldung senden' }).click();
  await expect(form.getByRole('status')).toContainText('deine Meldung ist bei der Moderation');

  // The admin works the queue.
  await admin.goto('/');
  await admin.getByRole('banner').getByRole('link', { name: 'Meldungen' }).click();
  await expect(admin.getByRole('heading', { name: 'Offene Meldungen' })).toBeVisible();
  const entry = admin.getByRole('article', { name: title });
  await expect(entry).toContainText('Werbung oder Spam');
  await expect(entry).toContainText('Nur Reklame für einen Laden.');
  await expect(entry).toContainText('Gemeldet von Rike Reader');
  await entry.getByLabel('Notiz an die meldende Person').fill('Danke, ist entfernt.');
  await entry.getByRole('button', { name: 'Verbergen' }).click();
  await expect(admin.getByRole('status').first()).toContainText(
    'Verborgen. 1 Meldende wurden benachrichtigt.',
  );
  await expect(entry).toHaveCount(0);

  // B learns the outcome, and the Knoten is gone for them.
  // Without the sheet, which at phone size lies over the map's buttons.
  await reader.goto(`/${hash}`);
  const notes = reader.getByRole('button', { name: /Benachrichtigungen/ });
  await expect(notes).toHaveAccessibleName(/ungelesen/, { timeout: 30_000 });
  await notes.click();
  await expect(reader.getByRole('dialog', { name: 'Benachrichtigungen' })).toContainText(
    `Deine Meldung zu „${title}“ wurde geprüft: Der Knoten ist jetzt verborgen. Anmerkung der Moderation: „Danke, ist entfernt.“`,
  );
  await reader.goto(`/?knoten=${node.id}${hash}`);
  await expect(
    reader.getByRole('dialog', { name: 'Diesen Knoten gibt es nicht (mehr).' }),
  ).toBeVisible({ timeout: 30_000 });
  for (const p of [reader, admin]) await p.context().close();
  expect(foreign, 'requests to other hosts').toEqual([]);
});
