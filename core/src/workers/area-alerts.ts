// area-alerts worker: matches each new Knoten against the area alert subscriptions (the
// subscription's box, or its weavery's polygon, both through a GiST index; kinds and topics
// when chosen; never the creator's own) and keeps one row per match, in the transaction of
// the consumer's inbox row. The AlertMailer sends them: an instant subscription soon after its
// first unsent match (a burst of Knoten becomes one mail), a daily one at most once in 24
// hours. Every mail carries a one-click unsubscribe link (RFC 8058 headers).
import type { Sql } from '@weltgewebe/db/client';
import type { EventData } from '@weltgewebe/events/contracts';
import type { Logger } from '@weltgewebe/kit';
import nodemailer from 'nodemailer';
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

const KIND_DE: Record<string, string> = {
  place: 'Ort',
  resource: 'Ressource',
  project: 'Projekt',
  event: 'Veranstaltung',
};

interface DueSubscription {
  id: string;
  label: string;
  cadence: 'instant' | 'daily';
  unsubscribe_token: string;
  email: string;
  display_name: string;
}

interface DueItem {
  node_id: string;
  title: string;
  kind: string;
  summary: string;
  live: boolean;
}

export class AlertMailer {
  private readonly transport;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  private busy: Promise<void> | null = null;
  private again = false;

  constructor(private readonly opts: AlertMailerOptions) {
    this.transport = nodemailer.createTransport(opts.smtpUrl);
  }

  start() {
    this.running = true;
    this.poke();
  }

  async stop() {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.busy;
    this.transport.close();
  }

  /** Sends what is due now, then looks again after the instant delay or the poll interval. */
  poke() {
    if (!this.running) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.busy = this.sendDue()
      .catch((error) => this.opts.log.error('alert mail round failed', { error: String(error) }))
      .then(() => undefined)
      .finally(() => {
        this.busy = null;
        if (this.again) {
          this.again = false;
          this.poke();
        } else if (this.running) {
          const wait = Math.min(this.opts.pollIntervalMs ?? 30_000, this.instantDelay() + 250);
          this.timer = setTimeout(() => this.poke(), wait);
        }
      });
  }

  private instantDelay() {
    return this.opts.instantDelayMs ?? 60_000;
  }

  /** Sends every due mail (one per subscription); returns how many went out. */
  async sendDue(limit = 200): Promise<number> {
    let sent = 0;
    for (let i = 0; i < limit; i++) {
      const outcome = await this.sendOne();
      if (outcome === 'none' || outcome === 'failed') break;
      if (outcome === 'sent') sent++;
    }
    return sent;
  }

  private async sendOne(): Promise<'sent' | 'skipped' | 'failed' | 'none'> {
    const now = this.opts.now?.() ?? new Date();
    const instantBefore = new Date(now.getTime() - this.instantDelay());
    const dayBefore = new Date(now.getTime() - 24 * 3_600_000);
    return await this.opts.sql.begin(async (tx) => {
      const [due] = await tx<DueSubscription[]>`
        SELECT s.id, s.label, s.cadence, s.unsubscribe_token, e.email, a.display_name
          FROM alert_subscriptions s
          JOIN account_emails e ON e.account_id = s.account_id
          JOIN accounts a ON a.id = s.account_id
         WHERE s.channel = 'mail'
           AND EXISTS (SELECT 1 FROM alert_items i WHERE i.subscription_id = s.id AND i.sent_at IS NULL
                         AND (s.cadence = 'daily' OR i.created_at <= ${instantBefore}))
           AND (s.cadence = 'instant' OR coalesce(s.last_sent_at, s.created_at) <= ${dayBefore})
         ORDER BY s.created_at
         LIMIT 1
         FOR UPDATE OF s SKIP LOCKED`;
      if (!due) return 'none' as const;
      const items = await tx<DueItem[]>`
        SELECT i.node_id, n.title, n.kind, n.summary,
               (n.removed_at IS NULL AND n.hidden_at IS NULL) AS live
          FROM alert_items i JOIN nodes n ON n.id = i.node_id
         WHERE i.subscription_id = ${due.id} AND i.sent_at IS NULL
         ORDER BY i.created_at, i.node_id
         LIMIT 50`;
      const markSent = async () => {
        await tx`UPDATE alert_items SET sent_at = ${now}
          WHERE subscription_id = ${due.id} AND node_id IN ${tx(items.map((i) => i.node_id))}`;
        await tx`UPDATE alert_subscriptions SET last_sent_at = ${now} WHERE id = ${due.id}`;
      };
      const live = items.filter((i) => i.live);
      // Knoten hidden or removed since they matched are not announced any more.
      if (live.length === 0) {
        await markSent();
        return 'skipped' as const;
      }
      try {
        await this.transport.sendMail(this.mailOf(due, live));
      } catch (error) {
        this.opts.log.warn('alert e-mail failed, will retry', {
          subscription_id: due.id,
          error: String(error),
        });
        this.opts.onFailed?.();
        return 'failed' as const;
      }
      await markSent();
      this.opts.onSent?.();
      return 'sent' as const;
    });
  }

  private mailOf(due: DueSubscription, items: DueItem[]) {
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
      to: { name: due.display_name, address: due.email },
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
