// area-alerts worker: matches each new Knoten against the area alert subscriptions (the
// subscription's box, or its weavery's polygon, both through a GiST index; kinds and topics
// when chosen; never the creator's own) and keeps one row per match, in the transaction of
// the consumer's inbox row. Two senders deliver them, each at its own pace: the AlertMailer
// by e-mail and the AlertPusher (alert-pusher.ts) by Web Push. An instant subscription goes out
// soon after its first unsent match (a burst of Knoten becomes one message), a daily one at
// most once in 24 hours. Every message carries a one-click unsubscribe link (RFC 8058 headers).
import type { Sql } from '@weltgewebe/db/client';
import type { EventData } from '@weltgewebe/events/contracts';
import type { Logger } from '@weltgewebe/kit';
import nodemailer from 'nodemailer';
import { DueLoop } from './due-loop.ts';
import type { EventHandler } from './event-worker.ts';
import { nodeLink } from './notifier.ts';

export const AREA_ALERTS_CONSUMER = 'area-alerts';

export function areaAlertsHandler(
  opts: { name?: string; onMatched?: () => void } = {},
): EventHandler {
  return {
    name: opts.name ?? AREA_ALERTS_CONSUMER,
    types: ['node.created'],
    async handle(tx, envelope) {
      const data = envelope.data as EventData<'node.created'>;
      // Two arms (box, weavery) so each uses its own index; live_nodes: a node hidden or
      // removed before this ran is announced to nobody.
      await tx`
        INSERT INTO alert_items (subscription_id, node_id, event_id, created_at)
        SELECT m.id, ${data.id}, ${envelope.id}, now() FROM (
          SELECT s.id, s.account_id, s.kinds, s.topics FROM alert_subscriptions s, live_nodes n
           WHERE n.id = ${data.id} AND s.area IS NOT NULL AND ST_Intersects(s.area, n.location)
          UNION ALL
          SELECT s.id, s.account_id, s.kinds, s.topics
            FROM alert_subscriptions s JOIN weaveries w ON w.id = s.weavery_id, live_nodes n
           WHERE n.id = ${data.id} AND ST_Intersects(w.area, n.location)
        ) m JOIN live_nodes n ON n.id = ${data.id}
        WHERE m.account_id <> n.created_by
          AND (cardinality(m.kinds) = 0 OR n.kind = ANY (m.kinds))
          AND (cardinality(m.topics) = 0 OR n.topics && m.topics)
        ON CONFLICT DO NOTHING`;
    },
    afterCommit: () => opts.onMatched?.(),
  };
}

export interface AlertMailerOptions {
  sql: Sql;
  log: Logger;
  smtpUrl: string;
  from: string;
  /** The public site: node links and the unsubscribe link point there. */
  siteUrl: string;
  now?: () => Date;
  /** An instant subscription's mail waits this long after its first unsent match. */
  instantDelayMs?: number;
  pollIntervalMs?: number;
  onSent?: () => void;
  onFailed?: () => void;
}

/** The one-click unsubscribe address of a subscription (GET: a confirm page; POST: done). */
export function unsubscribeLink(siteUrl: string, token: string): string {
  const url = new URL('/alerts/unsubscribe', siteUrl);
  url.searchParams.set('token', token);
  return url.toString();
}

export const KIND_DE: Record<string, string> = {
  place: 'Ort',
  resource: 'Ressource',
  project: 'Projekt',
  event: 'Veranstaltung',
};

export interface DueSubscription {
  id: string;
  account_id: string;
  label: string;
  cadence: 'instant' | 'daily';
  unsubscribe_token: string;
  display_name: string;
}

export interface DueItem {
  node_id: string;
  title: string;
  kind: string;
  summary: string;
  starts_at: Date | null;
  live: boolean;
}

/** Which columns keep a channel's progress: each channel has its own. */
const CHANNEL_STATE = {
  mail: { channels: ['mail', 'both'], itemDone: 'sent_at', lastDone: 'last_sent_at' },
  push: { channels: ['push', 'both'], itemDone: 'pushed_at', lastDone: 'last_pushed_at' },
} as const;

export type DigestOutcome = 'sent' | 'skipped' | 'failed' | 'none';

/**
 * Claims the next subscription whose digest is due on `channel` (row lock, SKIP LOCKED, so two
 * worker processes never send the same one), and hands its live matches to `send`; when `send`
 * says delivered (or there was nothing live left to tell), the matches and the subscription are
 * marked done for that channel in the same transaction.
 */
export async function sendNextDigest(
  sql: Sql,
  channel: keyof typeof CHANNEL_STATE,
  at: { now: Date; instantDelayMs: number },
  send: (due: DueSubscription, items: DueItem[]) => Promise<'sent' | 'skipped' | 'failed'>,
): Promise<DigestOutcome> {
  const state = CHANNEL_STATE[channel];
  const instantBefore = new Date(at.now.getTime() - at.instantDelayMs);
  const dayBefore = new Date(at.now.getTime() - 24 * 3_600_000);
  return await sql.begin(async (tx) => {
    const [due] = await tx<DueSubscription[]>`
      SELECT s.id, s.account_id, s.label, s.cadence, s.unsubscribe_token, a.display_name
        FROM alert_subscriptions s JOIN accounts a ON a.id = s.account_id
       WHERE s.channel IN ${tx([...state.channels])}
         AND EXISTS (SELECT 1 FROM alert_items i
                      WHERE i.subscription_id = s.id AND i.${tx(state.itemDone)} IS NULL
                        AND (s.cadence = 'daily' OR i.created_at <= ${instantBefore}))
         AND (s.cadence = 'instant' OR coalesce(s.${tx(state.lastDone)}, s.created_at) <= ${dayBefore})
       ORDER BY s.created_at
       LIMIT 1
       FOR UPDATE OF s SKIP LOCKED`;
    if (!due) return 'none' as const;
    const items = await tx<DueItem[]>`
      SELECT i.node_id, n.title, n.kind, n.summary, n.starts_at,
             (n.removed_at IS NULL AND n.hidden_at IS NULL) AS live
        FROM alert_items i JOIN nodes n ON n.id = i.node_id
       WHERE i.subscription_id = ${due.id} AND i.${tx(state.itemDone)} IS NULL
       ORDER BY i.created_at, i.node_id
       LIMIT 50`;
    const live = items.filter((i) => i.live);
    // Knoten hidden or removed since they matched are not announced any more.
    const outcome = live.length === 0 ? 'skipped' : await send(due, live);
    if (outcome === 'failed') return outcome;
    await tx`UPDATE alert_items SET ${tx(state.itemDone)} = ${at.now}
      WHERE subscription_id = ${due.id} AND node_id IN ${tx(items.map((i) => i.node_id))}`;
    await tx`UPDATE alert_subscriptions SET ${tx(state.lastDone)} = ${at.now} WHERE id = ${due.id}`;
    return outcome;
  });
}

/** Sends every due digest of a channel, one by one; stops at the first failure. */
export async function sendDueDigests(
  next: () => Promise<DigestOutcome>,
  limit = 200,
): Promise<number> {
  let sent = 0;
  for (let i = 0; i < limit; i++) {
    const outcome = await next();
    if (outcome === 'none' || outcome === 'failed') break;
    if (outcome === 'sent') sent++;
  }
  return sent;
}

/** How an instant subscription's sender waits: a little past the delay, at most the poll interval. */
export const digestWaitMs = (pollIntervalMs: number | undefined, instantDelayMs: number) =>
  Math.min(pollIntervalMs ?? 30_000, instantDelayMs + 250);

export class AlertMailer {
  private readonly transport;
  private readonly loop: DueLoop;

  constructor(private readonly opts: AlertMailerOptions) {
    this.transport = nodemailer.createTransport(opts.smtpUrl);
    this.loop = new DueLoop({
      log: opts.log,
      name: 'alert mail round',
      round: () => this.sendDue(),
      waitMs: () => digestWaitMs(opts.pollIntervalMs, this.instantDelay()),
    });
  }

  start() {
    this.loop.start();
  }

  async stop() {
    await this.loop.stop();
    this.transport.close();
  }

  /** Sends what is due now, then looks again after the instant delay or the poll interval. */
  poke() {
    this.loop.poke();
  }

  private instantDelay() {
    return this.opts.instantDelayMs ?? 60_000;
  }

  /** Sends every due mail (one per subscription); returns how many went out. */
  async sendDue(limit = 200): Promise<number> {
    return await sendDueDigests(() => this.sendOne(), limit);
  }

  private sendOne(): Promise<DigestOutcome> {
    const now = this.opts.now?.() ?? new Date();
    return sendNextDigest(
      this.opts.sql,
      'mail',
      { now, instantDelayMs: this.instantDelay() },
      async (due, items) => {
        const [mail] = await this.opts.sql<{ email: string }[]>`
          SELECT email FROM account_emails WHERE account_id = ${due.account_id}`;
        // The address is gone (the sign-in service no longer names one): nobody to mail.
        if (!mail) return 'skipped';
        try {
          await this.transport.sendMail(this.mailOf(due, mail.email, items));
        } catch (error) {
          this.opts.log.warn('alert e-mail failed, will retry', {
            subscription_id: due.id,
            error: String(error),
          });
          this.opts.onFailed?.();
          return 'failed';
        }
        this.opts.onSent?.();
        return 'sent';
      },
    );
  }

  private mailOf(due: DueSubscription, email: string, items: DueItem[]) {
    const unsubscribe = unsubscribeLink(this.opts.siteUrl, due.unsubscribe_token);
    const lines = items.map((i) => {
      const summary = i.summary ? ` – ${i.summary.replace(/\s+/g, ' ').slice(0, 160)}` : '';
      return `• ${i.title} (${KIND_DE[i.kind] ?? i.kind})${summary}\n  ${nodeLink(this.opts.siteUrl, i.node_id)}`;
    });
    const subject =
      items.length === 1
        ? `Weltgewebe: Neuer Knoten „${items[0]!.title}“ – ${due.label}`
        : `Weltgewebe: ${items.length} neue Knoten – ${due.label}`;
    const how = due.cadence === 'daily' ? 'einmal am Tag' : 'sofort';
    return {
      from: this.opts.from,
      to: { name: due.display_name, address: email },
      subject,
      text: `Hallo ${due.display_name},\n\nneu in „${due.label}“:\n\n${lines.join('\n\n')}\n\nDu bekommst diese Nachricht ${how}, weil du Benachrichtigungen für „${due.label}“ bestellt hast.\nAbbestellen mit einem Klick: ${unsubscribe}\n`,
      headers: {
        'List-Unsubscribe': `<${unsubscribe}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'X-Weltgewebe-Alert': due.id,
      },
    };
  }
}
