// The workers wired together (the process in main.ts and tests start them alike):
// hex-rollup, notifier and area-alerts as durable consumers, thread-expiry as a sweeper, and
// the notification and alert mailers when SMTP is configured, the alert pusher when VAPID keys are.
import type { Sql } from '@weltgewebe/db/client';
import {
  type JetStreamClient,
  jetstreamManager,
  type NatsConnection,
} from '@weltgewebe/events/jetstream';
import type { Logger, ServiceMetrics } from '@weltgewebe/kit';
import { AlertPusher, type VapidKeys } from './alert-pusher.ts';
import { AlertMailer, areaAlertsHandler } from './area-alerts.ts';
import { EventWorker } from './event-worker.ts';
import { hexRollupHandler } from './hex-rollup.ts';
import { NotificationMailer, notifierHandler } from './notifier.ts';
import { ThreadExpirySweeper } from './thread-expiry.ts';

export interface WorkersOptions {
  sql: Sql;
  nc: NatsConnection;
  js: JetStreamClient;
  log: Logger;
  metrics?: ServiceMetrics;
  /** `siteUrl`: the public site, which the e-mails link to. */
  smtp?: {
    url: string;
    from: string;
    siteUrl: string;
    retryBaseMs?: number;
    /** An instant area alert waits this long to gather a burst into one mail (default 60 s). */
    alertDelayMs?: number;
  };
  /** Web Push of area alerts (VAPID keys); `siteUrl` as for e-mail. */
  push?: { vapid: VapidKeys; siteUrl: string; alertDelayMs?: number; pollIntervalMs?: number };
  now?: () => Date;
  sweepIntervalMs?: number;
  ackWaitMs?: number;
}

export async function startWorkers(opts: WorkersOptions) {
  const events = opts.metrics?.counter(
    'weltgewebe_worker_events_total',
    'Events seen by a worker, by outcome',
    ['worker', 'outcome'],
  );
  const expiredTotal = opts.metrics?.counter(
    'weltgewebe_threads_expired_total',
    'Threads expired by the sweeper',
  );
  const mails = opts.metrics?.counter('weltgewebe_notification_emails_total', 'E-mails', [
    'outcome',
  ]);

  const mailer = opts.smtp
    ? new NotificationMailer({
        sql: opts.sql,
        log: opts.log.child({ worker: 'mailer' }),
        smtpUrl: opts.smtp.url,
        from: opts.smtp.from,
        siteUrl: opts.smtp.siteUrl,
        ...(opts.smtp.retryBaseMs ? { retryBaseMs: opts.smtp.retryBaseMs } : {}),
        onSent: () => mails?.inc({ outcome: 'sent' }),
        onFailed: () => mails?.inc({ outcome: 'failed' }),
      })
    : null;
  const alertMailer = opts.smtp
    ? new AlertMailer({
        sql: opts.sql,
        log: opts.log.child({ worker: 'alert-mailer' }),
        smtpUrl: opts.smtp.url,
        from: opts.smtp.from,
        siteUrl: opts.smtp.siteUrl,
        ...(opts.now ? { now: opts.now } : {}),
        ...(opts.smtp.alertDelayMs !== undefined ? { instantDelayMs: opts.smtp.alertDelayMs } : {}),
        onSent: () => mails?.inc({ outcome: 'alert_sent' }),
        onFailed: () => mails?.inc({ outcome: 'alert_failed' }),
      })
    : null;
  const pushes = opts.metrics?.counter('weltgewebe_alert_pushes_total', 'Area alert pushes', [
    'outcome',
  ]);
  const alertPusher = opts.push
    ? new AlertPusher({
        sql: opts.sql,
        log: opts.log.child({ worker: 'alert-pusher' }),
        vapid: opts.push.vapid,
        siteUrl: opts.push.siteUrl,
        ...(opts.now ? { now: opts.now } : {}),
        ...(opts.push.alertDelayMs !== undefined ? { instantDelayMs: opts.push.alertDelayMs } : {}),
        ...(opts.push.pollIntervalMs ? { pollIntervalMs: opts.push.pollIntervalMs } : {}),
        onSent: () => pushes?.inc({ outcome: 'sent' }),
        onFailed: () => pushes?.inc({ outcome: 'failed' }),
        onGone: () => pushes?.inc({ outcome: 'gone' }),
      })
    : null;
  const jsm = await jetstreamManager(opts.nc);
  const consumers = [
    hexRollupHandler(),
    notifierHandler({ onNotified: () => mailer?.poke() }),
    areaAlertsHandler({
      onMatched: () => {
        alertMailer?.poke();
        alertPusher?.poke();
      },
    }),
  ].map(
    (handler) =>
      new EventWorker({
        sql: opts.sql,
        js: opts.js,
        jsm,
        log: opts.log,
        handler,
        ...(opts.ackWaitMs ? { ackWaitMs: opts.ackWaitMs } : {}),
        onOutcome: (outcome) => events?.inc({ worker: handler.name, outcome }),
      }),
  );
  const sweeper = new ThreadExpirySweeper({
    sql: opts.sql,
    log: opts.log.child({ worker: 'thread-expiry' }),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.sweepIntervalMs ? { intervalMs: opts.sweepIntervalMs } : {}),
    onExpired: (n) => expiredTotal?.inc(n),
  });

  for (const c of consumers) await c.start();
  sweeper.start();
  mailer?.start();
  alertMailer?.start();
  alertPusher?.start();

  return {
    consumers,
    sweeper,
    mailer,
    alertMailer,
    alertPusher,
    /** Every consumer attached to its durable consumer. */
    ready: () => consumers.every((c) => c.ready),
    async stop() {
      await Promise.all([...consumers.map((c) => c.stop()), sweeper.stop()]);
      await mailer?.stop();
      await alertMailer?.stop();
      await alertPusher?.stop();
    },
  };
}

export type RunningWorkers = Awaited<ReturnType<typeof startWorkers>>;
