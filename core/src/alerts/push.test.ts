// Area alerts by Web Push against real PostgreSQL, the `web-push` library and a local push
// service that decrypts what arrives (core/src/testing/push-service.ts): a browser registers,
// a new Knoten in the watched area reaches it as an encrypted, VAPID-signed push whose text
// names the Knoten; "both" sends mail and push once each; a browser the push service calls gone
// (410) is removed; the push's unsubscribe link ends the subscription; bad input is refused.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { EventEnvelope } from '@weltgewebe/events/contracts';
import { startSmtpSink } from '@weltgewebe/infra/testing';
import { type ApiError, createLogger } from '@weltgewebe/kit';
import webpush from 'web-push';
import { type CoreHarness, startCoreHarness } from '../testing/core-harness.ts';
import { innerCallerAs } from '../testing/inner-caller.ts';
import { startPushService, testBrowser, verifyVapid } from '../testing/push-service.ts';
import { AlertPusher, type AlertPushPayload } from '../workers/alert-pusher.ts';
import { AlertMailer, areaAlertsHandler } from '../workers/area-alerts.ts';
import { processEnvelope } from '../workers/event-worker.ts';

const SITE = 'https://weltgewebe.test';
const vapid = { ...webpush.generateVAPIDKeys(), subject: 'mailto:betrieb@weltgewebe.test' };
const handler = areaAlertsHandler({ name: `area-alerts-${crypto.randomUUID().slice(0, 8)}` });
let h: CoreHarness;
let push: Awaited<ReturnType<typeof startPushService>>;
let sink: Awaited<ReturnType<typeof startSmtpSink>>;

beforeAll(async () => {
  [h, push, sink] = await Promise.all([
    startCoreHarness({ pushPublicKey: vapid.publicKey }),
    startPushService(),
    startSmtpSink(),
  ]);
}, 60_000);
afterAll(async () => {
  push?.stop();
  await sink?.stop();
  await h?.stop();
});

const person = (name: string) => {
  const subject = `push-${crypto.randomUUID()}`;
  const email = `${subject}@example.test`;
  return { email, caller: innerCallerAs(h, subject, { name, email }) };
};

const box = { west: 9.95, south: 53.54, east: 10.0, north: 53.57 };
const inside = { lat: 53.555, lon: 9.97 };

async function tie(
  creator: ReturnType<typeof person>['caller'],
  title: string,
  extra: { summary?: string; kind?: 'place' | 'event' } = {},
) {
  const kind = extra.kind ?? 'place';
  const node = await creator.nodes.create({
    operationId: crypto.randomUUID(),
    kind,
    title,
    topics: [],
    ...(extra.summary ? { summary: extra.summary } : {}),
    ...(kind === 'event' ? { startsAt: new Date(Date.now() + 86_400_000).toISOString() } : {}),
    ...inside,
  });
  const [row] = await h.sql<{ envelope: EventEnvelope }[]>`
    SELECT envelope FROM outbox WHERE subject = 'gewebe.node.created'
      AND envelope->>'aggregateId' = ${node.id}`;
  expect(await processEnvelope(h.sql, handler, row!.envelope)).toBe('processed');
  return node;
}

const pusher = () =>
  new AlertPusher({
    sql: h.sql,
    log: createLogger('workers', { sink: () => {} }),
    vapid,
    siteUrl: SITE,
    instantDelayMs: 0,
  });

async function refusal(call: Promise<unknown>) {
  const error = await call.then(
    () => null,
    (e: unknown) => e as ApiError,
  );
  expect(error).not.toBeNull();
  return error!;
}

describe('alerts by Web Push', () => {
  test('a new Knoten reaches the registered browser as an encrypted, signed push that names it', async () => {
    const watcher = person('Paula Push');
    const creator = person('Karl Knüpfer').caller;
    expect(await watcher.caller.alerts.pushKey()).toEqual({ publicKey: vapid.publicKey });

    // Push before any browser is registered: refused with a reason the form can show.
    const early = await refusal(watcher.caller.alerts.subscribe({ area: box, channel: 'push' }));
    expect(early.domainCode).toBe('NO_PUSH_SUBSCRIPTION');

    const browser = testBrowser();
    const endpoint = push.endpoint(`paula-${crypto.randomUUID()}`);
    await watcher.caller.alerts.pushSubscribe({ endpoint, keys: browser.keys });
    expect(await watcher.caller.alerts.pushStatus()).toEqual({ browsers: 1, configured: true });
    const sub = await watcher.caller.alerts.subscribe({
      area: box,
      channel: 'push',
      label: 'Altona',
    });
    expect(sub.channel).toBe('push');

    const node = await tie(creator, 'Tauschregal Ottensen', {
      summary: 'Bücher und Geschirr zum Mitnehmen',
    });
    expect(await pusher().sendDue()).toBeGreaterThanOrEqual(1);
    const [arrived, ...more] = push.to(endpoint);
    expect(more).toHaveLength(0);
    expect(arrived!.headers.get('content-encoding')).toBe('aes128gcm');
    expect(Number(arrived!.headers.get('ttl'))).toBeGreaterThan(0);
    const claims = verifyVapid(arrived!.headers.get('authorization'), vapid.publicKey, endpoint);
    expect(claims.sub).toBe(vapid.subject);
    // Encrypted: the title is not readable on the wire, only after decryption.
    expect(Buffer.from(arrived!.body).toString('latin1')).not.toContain('Tauschregal');
    const shown = JSON.parse(browser.decrypt(arrived!.body)) as AlertPushPayload;
    expect(shown.title).toBe('Neuer Knoten: Tauschregal Ottensen');
    expect(shown.body).toContain('Altona');
    expect(shown.body).toContain('Bücher und Geschirr');
    expect(shown.url).toBe(`${SITE}/?knoten=${node.id}`);
    expect(shown.unsubscribe).toStartWith(`${SITE}/alerts/unsubscribe?token=`);

    // Nothing new: nothing more is pushed; no mail either (the subscription is push only).
    expect(await pusher().sendDue()).toBe(0);
    expect(push.to(endpoint)).toHaveLength(1);
    expect(sink.mails.filter((m) => m.to.includes(watcher.email))).toHaveLength(0);

    // The notification's unsubscribe link is the one-click one: no sign-in, the token decides.
    const token = new URL(shown.unsubscribe).searchParams.get('token')!;
    expect(await h.clientFor(null).alerts.unsubscribeByToken.mutate({ token })).toEqual({
      unsubscribed: true,
      label: 'Altona',
    });
    await tie(creator, 'Nach dem Abbestellen');
    await pusher().sendDue();
    expect(push.to(endpoint)).toHaveLength(1);
  });

  test('"both" sends one mail and one push; a browser gone (410) is removed, the other still hears', async () => {
    const watcher = person('Bea Beides');
    const creator = person('Kim Knoten').caller;
    const phone = testBrowser();
    const laptop = testBrowser();
    const phoneEndpoint = push.endpoint(`phone-${crypto.randomUUID()}`);
    const laptopEndpoint = push.endpoint(`laptop-${crypto.randomUUID()}`);
    await watcher.caller.alerts.pushSubscribe({ endpoint: phoneEndpoint, keys: phone.keys });
    await watcher.caller.alerts.pushSubscribe({ endpoint: laptopEndpoint, keys: laptop.keys });
    push.answer(laptopEndpoint, 410);
    await watcher.caller.alerts.subscribe({
      area: box,
      channel: 'both',
      kinds: ['event'],
      label: 'Ottensen',
    });
    await tie(creator, 'Nur ein Ort');
    await tie(creator, 'Hoffest im Hinterhof', { kind: 'event' });

    const mailer = new AlertMailer({
      sql: h.sql,
      log: createLogger('workers', { sink: () => {} }),
      smtpUrl: sink.url,
      from: 'Weltgewebe <noreply@weltgewebe.test>',
      siteUrl: SITE,
      instantDelayMs: 0,
    });
    expect(await mailer.sendDue()).toBeGreaterThanOrEqual(1);
    expect(await pusher().sendDue()).toBeGreaterThanOrEqual(1);
    const mails = sink.mails.filter((m) => m.to.includes(watcher.email));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toContain('Hoffest im Hinterhof');
    expect(mails[0]!.text).not.toContain('Nur ein Ort');

    const [onPhone, ...again] = push.to(phoneEndpoint);
    expect(again).toHaveLength(0);
    const shown = JSON.parse(phone.decrypt(onPhone!.body)) as AlertPushPayload;
    expect(shown.title).toBe('Neuer Knoten: Hoffest im Hinterhof');
    expect(shown.body).toStartWith('Veranstaltung in „Ottensen“');

    // The laptop's push service said 410: that browser is forgotten, the phone is kept.
    expect(push.to(laptopEndpoint)).toHaveLength(1);
    expect(await watcher.caller.alerts.pushStatus()).toEqual({ browsers: 1, configured: true });
    const rows = await h.sql<{ endpoint: string }[]>`
      SELECT endpoint FROM push_subscriptions WHERE endpoint IN (${phoneEndpoint}, ${laptopEndpoint})`;
    expect(rows.map((r) => r.endpoint)).toEqual([phoneEndpoint]);

    // Withdrawing the phone (the web does this when notifications are turned off).
    expect(await watcher.caller.alerts.pushUnsubscribe({ endpoint: phoneEndpoint })).toEqual({
      removed: true,
    });
    expect(await watcher.caller.alerts.pushStatus()).toEqual({ browsers: 0, configured: true });
  });

  test('a push address that is no push service, or keys that are no keys, are refused', async () => {
    const { caller } = person('Emil Eingabe');
    const browser = testBrowser();
    for (const endpoint of [
      'http://push.example.org/x',
      'https://127.0.0.1/push',
      'https://localhost/push',
      'https://user:pw@push.example.org/x',
    ]) {
      const refused = await refusal(caller.alerts.pushSubscribe({ endpoint, keys: browser.keys }));
      expect(refused.domainCode).toBe('VALIDATION_FAILED');
    }
    const shortKey = await refusal(
      caller.alerts.pushSubscribe({
        endpoint: 'https://push.example.org/abc',
        keys: { p256dh: 'A'.repeat(87), auth: browser.keys.auth },
      }),
    );
    expect(shortKey.domainCode).toBe('VALIDATION_FAILED');
    expect(await caller.alerts.pushStatus()).toEqual({ browsers: 0, configured: true });
  });
});
