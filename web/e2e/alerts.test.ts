// Area alerts at phone size through Caddy, with the workers' real e-mails: a reader orders an
// instant alert for the area the map shows, a weaver ties a Knoten there, the reader's mail
// (caught by the local stack's mail catcher, one .eml file each) names it and links to it, and
// its one-click link unsubscribes — after that no mail comes for the next Knoten.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { createNode, personAt, waitForMap } from './map-page';

const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'de-DE',
};
test.use(PHONE);

const MAIL_DIR = process.env.E2E_MAIL_DIR ?? '';
const READER_MAIL = 'reader@weltgewebe.test';

interface CaughtMail {
  file: string;
  to: string;
  subject: string;
  text: string;
}

/** The mails the catcher wrote so far (envelope recipient, subject, text with QP undone). */
function caughtMails(): CaughtMail[] {
  return readdirSync(MAIL_DIR)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((file) => {
      const raw = readFileSync(join(MAIL_DIR, file), 'utf8');
      const split = raw.indexOf('\r\n\r\n');
      const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
      const header = (name: string) =>
        new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
      let body = raw.slice(split + 4);
      if (/quoted-printable/i.test(header('Content-Transfer-Encoding'))) {
        const bytes = body
          .replace(/=\r?\n/g, '')
          .split(/(=[0-9A-F]{2})/i)
          .flatMap((part) =>
            /^=[0-9A-F]{2}$/i.test(part)
              ? [Number.parseInt(part.slice(1), 16)]
              : [...Buffer.from(part, 'latin1')],
          );
        body = Buffer.from(bytes).toString('utf8');
      } else if (/base64/i.test(header('Content-Transfer-Encoding'))) {
        body = Buffer.from(body, 'base64').toString('utf8');
      }
      return { file, to: header('X-Envelope-To'), subject: header('Subject'), text: body };
    });
}

test('an area alert: the mail names the new Knoten, and its one-click link ends the alert', async ({
  browser,
  baseURL,
}) => {
  test.skip(!MAIL_DIR, 'needs the stack’s mail catcher (E2E_MAIL_DIR)');
  // Two people sign in through the real provider: slow on a busy machine.
  test.setTimeout(360_000);
  const app = new URL(baseURL ?? 'http://localhost:8080').origin;
  const foreign: string[] = [];
  // An area of its own, so that no other test's Knoten lands in it.
  const lat = Number((51 + Math.random() * 2).toFixed(4));
  const lon = Number((6.5 + Math.random() * 2).toFixed(4));
  const hash = `#14/${lat}/${lon}`;
  const stamp = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;

  // The reader orders an instant alert for what the map shows.
  const reader = await personAt(browser, PHONE, `/${hash}`, 'reader', foreign, app);
  await waitForMap(reader);
  await reader.getByRole('button', { name: 'Benachrichtige mich' }).click();
  const panel = reader.getByRole('dialog', { name: 'Neues hier per E-Mail' });
  await panel.getByLabel('Sofort').check();
  await panel.getByRole('button', { name: 'Benachrichtigung bestellen' }).click();
  await expect(panel.getByRole('status')).toContainText('Bestellt:');
  await expect(panel.getByTestId('my-alerts')).toContainText('Sofort');

  // A weaver ties a Knoten in the middle of that area.
  const weaver = await personAt(browser, PHONE, '/', 'weaver', foreign, app);
  const title = `Tauschregal ${stamp}`;
  const node = await createNode(weaver, title, lat, lon);

  // The reader's mail arrives (the alert gathers for 2 s in the test stack), names the Knoten
  // and links to it and to the one-click unsubscribe.
  let mail: CaughtMail | undefined;
  await expect
    .poll(
      () => {
        mail = caughtMails().find((m) => m.to.includes(READER_MAIL) && m.text.includes(title));
        return mail !== undefined;
      },
      { timeout: 90_000, message: 'the alert mail reaches the reader' },
    )
    .toBe(true);
  expect(mail!.text).toContain(`Hallo Rike Reader`);
  expect(mail!.text).toContain(`/?knoten=${node.id}`);
  const unsubscribe = /(https?:\/\/\S+\/alerts\/unsubscribe\?token=\S+)/.exec(mail!.text)?.[1];
  expect(unsubscribe, 'an unsubscribe link in the mail').toBeTruthy();
  expect(new URL(unsubscribe!).origin).toBe(app);

  // The link from the mail, opened in the reader's browser: asked once, then done.
  await reader.goto(unsubscribe!);
  await expect(
    reader.getByRole('heading', { name: 'Benachrichtigungen abbestellen' }),
  ).toBeVisible();
  await reader.getByRole('button', { name: 'Ja, abbestellen' }).click();
  await expect(reader.getByRole('status')).toContainText('Abbestellt.');

  // The alert is gone from the reader's list, and the next Knoten there sends no mail.
  await reader.goto(`/${hash}`);
  await waitForMap(reader);
  await reader.getByRole('button', { name: 'Benachrichtige mich' }).click();
  await expect(
    reader.getByRole('dialog', { name: 'Neues hier per E-Mail' }).getByText('Noch keine bestellt.'),
  ).toBeVisible();
  const second = `Werkzeugkiste ${stamp}`;
  await createNode(weaver, second, lat, lon);
  // Longer than the alert's gathering delay and a worker's poll; a mail would be here by then.
  await reader.waitForTimeout(8_000);
  expect(caughtMails().filter((m) => m.text.includes(second))).toEqual([]);

  for (const p of [reader, weaver]) await p.context().close();
  expect(foreign, 'requests to other hosts').toEqual([]);
});
