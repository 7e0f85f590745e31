// AlertPusher: area alerts by Web Push (RFC 8030 delivery, RFC 8291 aes128gcm encryption,
// RFC 8292 VAPID), to every browser the person registered. The `web-push` library signs and
// encrypts; the POST is ours (fetch, no redirects, a timeout), so a push service answering
// 404/410 — the browser unsubscribed or the endpoint expired — removes that browser at once.
import type { Sql } from '@weltgewebe/db/client';
import type { Logger } from '@weltgewebe/kit';
import webpush from 'web-push';
import {
  type DigestOutcome,
  type DueItem,
  type DueSubscription,
  digestWaitMs,
  KIND_DE,
  sendDueDigests,
  sendNextDigest,
  unsubscribeLink,
} from './area-alerts.ts';
import { DueLoop } from './due-loop.ts';
import { nodeLink } from './notifier.ts';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  /** Who runs this site, for the push services (`mailto:` or the site's https URL). */
  subject: string;
}

export interface AlertPusherOptions {
  sql: Sql;
  log: Logger;
  vapid: VapidKeys;
  /** The public site: node links and the unsubscribe link point there. */
  siteUrl: string;
  now?: () => Date;
  instantDelayMs?: number;
  pollIntervalMs?: number;
  /** How long a push service may take to answer one POST. */
  timeoutMs?: number;
  onSent?: () => void;
  onFailed?: () => void;
  onGone?: () => void;
}

/** What the service worker shows (web/src/lib/push/sw-push.ts reads the same shape). */
export interface AlertPushPayload {
  title: string;
  body: string;
  /** Opened on a tap: the node, or the map when several came together. */
  url: string;
  /** One notification per subscription: a newer one replaces the older. */
  tag: string;
  /** The one-click unsubscribe address (a POST there ends the subscription). */
  unsubscribe: string;
}

interface Browser {
  id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

const cut = (text: string, max: number) =>
  text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;

/** The notification of a digest; short, because push services carry at most 4 KB. */
export function alertPushPayload(
  siteUrl: string,
  due: DueSubscription,
  items: DueItem[],
): AlertPushPayload {
  const first = items[0]!;
  const single = items.length === 1;
  const summary = first.summary ? ` – ${first.summary.replace(/\s+/g, ' ')}` : '';
  return {
    title: cut(
      single ? `Neuer Knoten: ${first.title}` : `${items.length} neue Knoten in „${due.label}“`,
      120,
    ),
    body: cut(
      single
        ? `${KIND_DE[first.kind] ?? first.kind} in „${due.label}“${summary}`
        : items.map((i) => i.title).join(' · '),
      400,
    ),
    url: single ? nodeLink(siteUrl, first.node_id) : new URL('/', siteUrl).toString(),
    tag: `alert-${due.id}`,
    unsubscribe: unsubscribeLink(siteUrl, due.unsubscribe_token),
  };
}

export class AlertPusher {
  private readonly loop: DueLoop;

  constructor(private readonly opts: AlertPusherOptions) {
    this.loop = new DueLoop({
      log: opts.log,
      name: 'alert push round',
      round: () => this.sendDue(),
      waitMs: () => digestWaitMs(opts.pollIntervalMs, this.instantDelay()),
    });
  }

  start() {
    this.loop.start();
  }

  async stop() {
    await this.loop.stop();
  }

  poke() {
    this.loop.poke();
  }

  private instantDelay() {
    return this.opts.instantDelayMs ?? 60_000;
  }

  /** Pushes every due digest (one per subscription, to each of the person's browsers). */
  async sendDue(limit = 200): Promise<number> {
    return await sendDueDigests(() => this.sendOne(), limit);
  }

  private sendOne(): Promise<DigestOutcome> {
    const now = this.opts.now?.() ?? new Date();
    return sendNextDigest(
      this.opts.sql,
      'push',
      { now, instantDelayMs: this.instantDelay() },
      async (due, items) => {
        const browsers = await this.opts.sql<Browser[]>`
          SELECT id, endpoint, p256dh, auth FROM push_subscriptions
           WHERE account_id = ${due.account_id} ORDER BY created_at`;
        // No browser left (all unsubscribed): nobody to tell; the matches are done.
        if (browsers.length === 0) return 'skipped';
        const payload = JSON.stringify(alertPushPayload(this.opts.siteUrl, due, items));
        const urgency = due.cadence === 'instant' ? 'normal' : 'low';
        const outcomes = await Promise.all(
          browsers.map((b) => this.pushTo(b, payload, urgency, due.id)),
        );
        if (outcomes.includes('sent')) {
          this.opts.onSent?.();
          return 'sent';
        }
        if (outcomes.includes('failed')) {
          this.opts.onFailed?.();
          return 'failed';
        }
        return 'skipped';
      },
    );
  }

  private async pushTo(
    browser: Browser,
    payload: string,
    urgency: 'normal' | 'low',
    subscriptionId: string,
  ): Promise<'sent' | 'gone' | 'failed' | 'refused'> {
    let status: number;
    try {
      const request = webpush.generateRequestDetails(
        { endpoint: browser.endpoint, keys: { p256dh: browser.p256dh, auth: browser.auth } },
        payload,
        {
          vapidDetails: this.opts.vapid,
          contentEncoding: 'aes128gcm',
          // A day: an alert older than that is no news any more.
          TTL: 86_400,
          urgency,
        },
      );
      const response = await fetch(request.endpoint, {
        method: request.method,
        headers: request.headers as Record<string, string>,
        body: request.body ? new Uint8Array(request.body) : null,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
      status = response.status;
      await response.body?.cancel();
    } catch (error) {
      this.opts.log.warn('alert push failed, will retry', {
        subscription_id: subscriptionId,
        push_subscription_id: browser.id,
        error: String(error),
      });
      return 'failed';
    }
    if (status >= 200 && status < 300) {
      await this.opts
        .sql`UPDATE push_subscriptions SET last_sent_at = now() WHERE id = ${browser.id}`;
      return 'sent';
    }
    if (status === 404 || status === 410) {
      // RFC 8030 §7.3: the subscription expired or the person withdrew it; never push there again.
      await this.opts.sql`DELETE FROM push_subscriptions WHERE id = ${browser.id}`;
      this.opts.log.info('push subscription gone, removed', {
        push_subscription_id: browser.id,
        status,
      });
      this.opts.onGone?.();
      return 'gone';
    }
    if (status === 429 || status >= 500) {
      this.opts.log.warn('push service busy, will retry', {
        subscription_id: subscriptionId,
        push_subscription_id: browser.id,
        status,
      });
      return 'failed';
    }
    // Any other refusal (400, 403 for keys that do not match, 413) would be refused again:
    // this digest is not retried there, so one broken browser cannot hold up everybody's alerts.
    this.opts.log.error('push service refused an alert', {
      subscription_id: subscriptionId,
      push_subscription_id: browser.id,
      status,
    });
    return 'refused';
  }
}
