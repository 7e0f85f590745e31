// Area alerts against real PostgreSQL and a real SMTP server: subscribing (area or weavery,
// kinds/topics, limits and bad input), the area-alerts handler matching new Knoten from the
// outbox's real events (inbox: a repeated event matches nothing twice), the alert mailer's
// instant and daily mails with RFC 8058 unsubscribe headers, and the token unsubscribe.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { EventEnvelope } from '@weltgewebe/events/contracts';
import { startSmtpSink } from '@weltgewebe/infra/testing';
import { type ApiError, createLogger } from '@weltgewebe/kit';
import { type CoreHarness, startCoreHarness } from '../testing/core-harness.ts';
import { failureOf } from '../testing/failure-of.ts';
import { innerCallerAs } from '../testing/inner-caller.ts';
import { AlertMailer, areaAlertsHandler } from '../workers/area-alerts.ts';
import { processEnvelope } from '../workers/event-worker.ts';

let h: CoreHarness;
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
const SITE = 'https://weltgewebe.test';
const handler = areaAlertsHandler({ name: `area-alerts-${crypto.randomUUID().slice(0, 8)}` });

beforeAll(async () => {
  [h, sink] = await Promise.all([startCoreHarness(), startSmtpSink()]);
}, 60_000);
afterAll(async () => {
  await sink.stop();
  await h.stop();
});

const person = (name: string, now?: () => Date) => {
  const subject = `alerts-${crypto.randomUUID()}`;
  const email = `${subject}@example.test`;
  return { email, caller: innerCallerAs(h, subject, { name, email, ...(now ? { now } : {}) }) };
};

/** Creates a node and runs the handler on its real node.created event from the outbox. */
async function tie(
  creator: ReturnType<typeof person>['caller'],
  title: string,
  at: { lat: number; lon: number },
  extra: { kind?: 'place' | 'event' | 'resource'; topics?: ('food' | 'art')[] } = {},
) {
  const kind = extra.kind ?? 'place';
  const node = await creator.nodes.create({
    operationId: crypto.randomUUID(),
    kind,
    title,
    topics: extra.topics ?? [],
    ...(kind === 'event' ? { startsAt: new Date(Date.now() + 86_400_000).toISOString() } : {}),
    ...at,
  });
  const [row] = await h.sql<{ envelope: EventEnvelope }[]>`
    SELECT envelope FROM outbox WHERE subject = 'gewebe.node.created'
      AND envelope->>'aggregateId' = ${node.id}`;
  expect(await processEnvelope(h.sql, handler, row!.envelope)).toBe('processed');
  expect(await processEnvelope(h.sql, handler, row!.envelope)).toBe('duplicate');
  return node;
}

const mailer = (now: () => Date = () => new Date()) =>
  new AlertMailer({
    sql: h.sql,
    log: createLogger('workers', { sink: () => {} }),
    smtpUrl: sink.url,
    from: 'Weltgewebe <noreply@weltgewebe.test>',
    siteUrl: SITE,
    instantDelayMs: 0,
    now,
  });

const mailsTo = (address: string) => sink.mails.filter((m) => m.to.includes(address));

async function refusal(call: Promise<unknown>) {
  const error = await call.then(
    () => null,
    (e: unknown) => e as ApiError,
  );
  expect(error).not.toBeNull();
  return error!;
}

// Around Leipzig-Lindenau; the box is about 3 × 2 km.
const box = { west: 12.3, south: 51.32, east: 12.35, north: 51.34 };
const inside = { lat: 51.33, lon: 12.32 };
const outside = { lat: 51.4, lon: 12.5 };

describe('subscribing', () => {
  test('an area gets a label from the nearest place; bad input is a field error; without e-mail it is refused', async () => {
    const { caller } = person('Anna Abo');
    const sub = await caller.alerts.subscribe({ area: box, cadence: 'daily', kinds: ['event'] });
    expect(sub).toMatchObject({
      cadence: 'daily',
      channel: 'mail',
      kinds: ['event'],
      weavery: null,
    });
    expect(sub.area).toEqual(box);
    expect(sub.label.length).toBeGreaterThan(0);
    expect((await caller.alerts.list()).map((s) => s.id)).toEqual([sub.id]);

    // Through HTTP, where the formatter turns validation into VALIDATION_FAILED field errors.
    const reader = await h.clientAs('reader');
    const tooBig = await failureOf(
      reader.alerts.subscribe.mutate({ area: { west: 0, south: 40, east: 5, north: 41 } }),
    );
    expect(tooBig.data.domainCode).toBe('VALIDATION_FAILED');
    expect(Object.keys(tooBig.data.fieldErrors ?? {})).toEqual(['area']);
    const both = await failureOf(reader.alerts.subscribe.mutate({ area: box, weavery: 'x' }));
    expect(both.data.domainCode).toBe('VALIDATION_FAILED');
    const noWeavery = await refusal(caller.alerts.subscribe({ weavery: 'gibt-es-nicht' }));
    expect(noWeavery.domainCode).toBe('WEAVERY_NOT_FOUND');

    const noMail = innerCallerAs(h, `alerts-${crypto.randomUUID()}`);
    const refused = await refusal(noMail.alerts.subscribe({ area: box }));
    expect(refused.domainCode).toBe('NO_EMAIL_ADDRESS');
    expect(refused.code).toBe('PRECONDITION_FAILED');

    await caller.alerts.unsubscribe({ id: sub.id });
    expect(await caller.alerts.list()).toEqual([]);
    const other = person('Otto Anders').caller;
    expect((await refusal(other.alerts.unsubscribe({ id: sub.id }))).domainCode).toBe(
      'ALERT_NOT_FOUND',
    );
  });
});

describe('instant alerts by e-mail', () => {
  test('a new Knoten in the area (of a wanted kind and topic) gives one mail with a working one-click unsubscribe', async () => {
    const watcher = person('Wanda Wachsam');
    const creator = person('Karl Knüpfer').caller;
    const sub = await watcher.caller.alerts.subscribe({
      area: box,
      topics: ['food'],
      label: 'Lindenau',
    });
    const wanted = await tie(creator, 'Gemeinschaftsgarten Lindenau', inside, { topics: ['food'] });
    await tie(creator, 'Kunstwerkstatt', inside, { topics: ['art'] });
    await tie(creator, 'Foodsharing weit weg', outside, { topics: ['food'] });
    // Their own Knoten is no news to the watcher.
    await tie(watcher.caller, 'Mein eigener Kühlschrank', inside, { topics: ['food'] });

    expect(await mailer().sendDue()).toBeGreaterThanOrEqual(1);
    const mails = mailsTo(watcher.email);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.text).toContain('Gemeinschaftsgarten Lindenau');
    expect(mail.text).toContain(`${SITE}/?knoten=${wanted.id}`);
    expect(mail.text).not.toContain('Kunstwerkstatt');
    expect(mail.text).not.toContain('weit weg');
    expect(mail.text).not.toContain('Kühlschrank');
    const link = /<(https:[^>]+)>/.exec(mail.headers.get('list-unsubscribe') ?? '')?.[1];
    expect(link).toStartWith(`${SITE}/alerts/unsubscribe?token=`);
    expect(mail.headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(mail.text).toContain(link!);

    // Nothing new: nothing more is sent.
    expect(await mailer().sendDue()).toBe(0);

    const token = new URL(link!).searchParams.get('token')!;
    const anonymous = h.clientFor(null);
    expect(await anonymous.alerts.unsubscribeByToken.mutate({ token })).toEqual({
      unsubscribed: true,
      label: 'Lindenau',
    });
    expect(await anonymous.alerts.unsubscribeByToken.mutate({ token })).toEqual({
      unsubscribed: false,
      label: null,
    });
    expect(await watcher.caller.alerts.list()).toEqual([]);
    await tie(creator, 'Nach dem Abbestellen', inside, { topics: ['food'] });
    await mailer().sendDue();
    expect(mailsTo(watcher.email)).toHaveLength(1);
    expect(sub.id).toBeString();
  });
});

describe('daily digests', () => {
  test('matches gather for a day and go out as one digest; a hidden Knoten is left out', async () => {
    let clock = new Date();
    const now = () => clock;
    const watcher = person('Dora Digest', now);
    const creator = person('Kim Knoten').caller;
    const admin = innerCallerAs(h, `admin-${crypto.randomUUID()}`, { role: 'admin' });
    await watcher.caller.alerts.subscribe({ area: box, cadence: 'daily' });
    await tie(creator, 'Flohmarkt am Sonntag', inside, { kind: 'event' });
    await tie(creator, 'Lastenrad zum Leihen', inside, { kind: 'resource' });
    const hidden = await tie(creator, 'Bald verborgen', inside);
    await admin.nodes.hide({ id: hidden.id, hidden: true });

    expect(await mailer(now).sendDue()).toBe(0);
    expect(mailsTo(watcher.email)).toHaveLength(0);
    clock = new Date(clock.getTime() + 24 * 3_600_000 + 60_000);
    expect(await mailer(now).sendDue()).toBeGreaterThanOrEqual(1);
    const [digest] = mailsTo(watcher.email);
    expect(digest?.text).toContain('Flohmarkt am Sonntag');
    expect(digest?.text).toContain('Lastenrad zum Leihen');
    expect(digest?.text).not.toContain('Bald verborgen');
    expect(digest?.text).toContain('einmal am Tag');
  });
});
