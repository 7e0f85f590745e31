// notifier worker: tells a node's creator about new threads and messages by others on their
// node. The in-app notification is written with the inbox row (once per event); e-mails go
// out afterwards from those rows (emailed_at), so a failed send is retried later and never
// adds a second notification.
import { drizzleOn, type Sql } from '@weltgewebe/db/client';
import { accountEmails, accounts, nodes, notifications } from '@weltgewebe/db/schema';
import type { EventData, EventEnvelope } from '@weltgewebe/events/contracts';
import type { Logger } from '@weltgewebe/kit';
import { and, asc, eq, gt, isNull, lt, lte, or, sql } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import type { Tx } from '../outbox/write-event.ts';
import { DueLoop } from './due-loop.ts';
import type { EventHandler } from './event-worker.ts';

export const NOTIFIER_CONSUMER = 'notifier';

interface NodeAndActor {
  created_by: string;
  title: string;
  actor_name: string;
}

async function nodeAndActor(tx: Tx, nodeId: string, actorId: string) {
  const [row] = await tx<NodeAndActor[]>`
    SELECT n.created_by, n.title, a.display_name AS actor_name
      FROM live_nodes n JOIN accounts a ON a.id = ${actorId}
     WHERE n.id = ${nodeId}`;
  return row ?? null;
}

function excerpt(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}

/** The German text of a notification (the interface speaks German first). */
export function notificationText(
  envelope: EventEnvelope,
  node: NodeAndActor,
): { kind: string; text: string } | null {
  if (envelope.type === 'message.posted') {
    const data = envelope.data as EventData<'message.posted'>;
    return {
      kind: 'message',
      text: `${data.authorName} hat bei „${node.title}“ geschrieben: „${excerpt(data.body, 140)}“`,
    };
  }
  if (envelope.type === 'thread.spun') {
    const data = envelope.data as EventData<'thread.spun'>;
    // A conversation thread comes with a message, which is notified on its own.
    if (data.kind === 'conversation') return null;
    return {
      kind: 'thread',
      text:
        data.kind === 'participation'
          ? `${node.actor_name} macht bei „${node.title}“ mit.`
          : `${node.actor_name} hat einen Faden zu „${node.title}“ gesponnen.`,
    };
  }
  return null;
}

export function notifierHandler(
  opts: { name?: string; onNotified?: () => void } = {},
): EventHandler {
  return {
    name: opts.name ?? NOTIFIER_CONSUMER,
    types: ['thread.spun', 'message.posted'],
    async handle(tx, envelope) {
      const data = envelope.data as { nodeId: string; accountId?: string; authorId?: string };
      const actorId = envelope.type === 'message.posted' ? data.authorId! : data.accountId!;
      const node = await nodeAndActor(tx, data.nodeId, actorId);
      // Nobody is told about their own doing, nor about a node that is gone.
      if (!node || node.created_by === actorId) return;
      const note = notificationText(envelope, node);
      if (!note) return;
      await drizzleOn(tx)
        .insert(notifications)
        .values({
          accountId: node.created_by,
          eventId: envelope.id,
          kind: note.kind,
          nodeId: data.nodeId,
          text: note.text,
        })
        .onConflictDoNothing({ target: [notifications.accountId, notifications.eventId] });
    },
    afterCommit: () => opts.onNotified?.(),
  };
}

export interface MailerOptions {
  sql: Sql;
  log: Logger;
  /** smtp://user:pass@host:port (smtps:// for implicit TLS). */
  smtpUrl: string;
  from: string;
  /** The public site (PUBLIC_BASE_URL); each e-mail links to its node there. */
  siteUrl: string;
  pollIntervalMs?: number;
  /** First retry after this long, doubling per attempt (up to an hour). */
  retryBaseMs?: number;
  maxAttempts?: number;
  /** Notifications older than this are not e-mailed any more (e.g. SMTP was off then). */
  maxAgeHours?: number;
  onSent?: () => void;
  onFailed?: () => void;
}

/** Where the site opens a node: the map with the node selected (the web's `?knoten=`). */
export function nodeLink(siteUrl: string, nodeId: string): string {
  const url = new URL(siteUrl);
  url.searchParams.set('knoten', nodeId);
  return url.toString();
}

/** Why the person gets this mail: the creator of the node, or the one who reported something. */
function mailReason(kind: string): string {
  return kind === 'report'
    ? 'Du bekommst diese Nachricht, weil du im Weltgewebe etwas gemeldet hast.'
    : 'Du bekommst diese Nachricht, weil du diesen Knoten im Weltgewebe geknüpft hast.';
}

/** Sends the e-mails of notifications not yet e-mailed; one row lock per mail in flight. */
export class NotificationMailer {
  private readonly transport;
  private readonly loop: DueLoop;

  constructor(private readonly opts: MailerOptions) {
    this.transport = nodemailer.createTransport(opts.smtpUrl);
    this.loop = new DueLoop({
      log: opts.log,
      name: 'mail round',
      round: () => this.sendDue(),
      waitMs: () => opts.pollIntervalMs ?? 10_000,
    });
  }

  start() {
    this.loop.start();
  }

  async stop() {
    await this.loop.stop();
    this.transport.close();
  }

  /** Sends what is due now (new notifications call this), then polls for retries. */
  poke() {
    this.loop.poke();
  }

  /** Sends due mails one by one until none is left; returns how many were sent. */
  async sendDue(limit = 200): Promise<number> {
    let sent = 0;
    for (let i = 0; i < limit; i++) {
      const outcome = await this.sendOne();
      if (outcome === 'none') break;
      if (outcome === 'sent') sent++;
    }
    return sent;
  }

  private async sendOne(): Promise<'sent' | 'failed' | 'none'> {
    const maxAttempts = this.opts.maxAttempts ?? 8;
    const maxAge = `${this.opts.maxAgeHours ?? 48} hours`;
    return await this.opts.sql.begin(async (tx) => {
      const db = drizzleOn(tx);
      const [due] = await db
        .select({
          id: notifications.id,
          text: notifications.text,
          kind: notifications.kind,
          nodeId: notifications.nodeId,
          email: accountEmails.email,
          displayName: accounts.displayName,
          title: nodes.title,
          emailAttempts: notifications.emailAttempts,
        })
        .from(notifications)
        .innerJoin(accountEmails, eq(accountEmails.accountId, notifications.accountId))
        .innerJoin(accounts, eq(accounts.id, notifications.accountId))
        .leftJoin(nodes, eq(nodes.id, notifications.nodeId))
        .where(
          and(
            isNull(notifications.emailedAt),
            lt(notifications.emailAttempts, maxAttempts),
            or(isNull(notifications.emailRetryAt), lte(notifications.emailRetryAt, sql`now()`)),
            gt(notifications.createdAt, sql`now() - ${maxAge}::interval`),
          ),
        )
        .orderBy(asc(notifications.createdAt))
        .limit(1)
        .for('update', { of: notifications, skipLocked: true });
      if (!due) return 'none' as const;
      const link = due.nodeId ? `\n\nZum Knoten: ${nodeLink(this.opts.siteUrl, due.nodeId)}` : '';
      try {
        await this.transport.sendMail({
          from: this.opts.from,
          to: { name: due.displayName, address: due.email },
          subject:
            due.kind === 'report'
              ? 'Weltgewebe: Deine Meldung wurde geprüft'
              : due.title
                ? `Weltgewebe: Neues bei „${due.title}“`
                : 'Weltgewebe: Neues',
          text: `Hallo ${due.displayName},\n\n${due.text}${link}\n\n${mailReason(due.kind)}\n`,
          headers: { 'X-Weltgewebe-Notification': due.id },
        });
      } catch (error) {
        const waitMs = Math.min(
          3_600_000,
          (this.opts.retryBaseMs ?? 30_000) * 2 ** due.emailAttempts,
        );
        await db
          .update(notifications)
          .set({
            emailAttempts: sql`${notifications.emailAttempts} + 1`,
            emailRetryAt: sql`now() + ${`${waitMs} milliseconds`}::interval`,
            emailError: String(error).slice(0, 500),
          })
          .where(eq(notifications.id, due.id));
        this.opts.log.warn('notification e-mail failed, will retry', {
          notification_id: due.id,
          attempt: due.emailAttempts + 1,
          retry_ms: waitMs,
          error: String(error),
        });
        this.opts.onFailed?.();
        return 'failed' as const;
      }
      await db
        .update(notifications)
        .set({
          emailedAt: sql`now()`,
          emailAttempts: sql`${notifications.emailAttempts} + 1`,
          emailError: null,
        })
        .where(eq(notifications.id, due.id));
      this.opts.onSent?.();
      return 'sent' as const;
    });
  }
}
