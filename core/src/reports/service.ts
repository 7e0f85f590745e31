// Reports and moderation (core/README.md, "Meldungen"): anyone signed in reports a Knoten or a
// message; admins work the queue and hide the thing (the existing hide path, in the same
// transaction) or dismiss the report with a note; every reporter of that thing is told the
// outcome in the app (and by e-mail through the notification mailer). Every step writes an
// audit row. An account files at most REPORTS_PER_DAY reports in 24 hours.
import { drizzleOn } from '@weltgewebe/db/client';
import { accounts, messages, notifications, reports } from '@weltgewebe/db/schema';
import { REPORTS_PER_DAY, type ReportOutcome } from '@weltgewebe/events/domain';
import { ApiError, type AuthIdentity } from '@weltgewebe/kit';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { type AccountRef, ensureAccount } from '../accounts/provision.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { conflict, notFound } from '../errors.ts';
import { hideNodeIn } from '../nodes/service.ts';
import { type Tx, writeEvent } from '../outbox/write-event.ts';
import type { CoreServices } from '../services.ts';
import type {
  CreateReportInput,
  QueuedReportDTO,
  ReportDTO,
  ReportQueueInput,
  ResolvedReportDTO,
  ResolveReportInput,
} from './model.ts';

const DAY_MS = 24 * 3_600_000;

type ReportRow = typeof reports.$inferSelect;

const toReportDTO = (r: ReportRow): ReportDTO => ({
  id: r.id,
  nodeId: r.nodeId,
  messageId: r.messageId,
  reason: r.reason,
  status: r.status,
  createdAt: r.createdAt.toISOString(),
});

function excerpt(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}

/** The node a report is about, and the message when it is one; gone things cannot be reported. */
async function reportTarget(tx: Tx, input: CreateReportInput) {
  if (input.messageId) {
    const [m] = await tx<{ node_id: string }[]>`
      SELECT m.node_id FROM messages m JOIN live_nodes n ON n.id = m.node_id
       WHERE m.id = ${input.messageId} AND m.retracted_at IS NULL AND m.hidden_at IS NULL`;
    if (!m) throw notFound('MESSAGE_NOT_FOUND', 'Diesen Beitrag gibt es nicht (mehr).');
    return { nodeId: m.node_id, messageId: input.messageId };
  }
  const [n] = await tx<{ id: string }[]>`SELECT id FROM live_nodes WHERE id = ${input.nodeId!}`;
  if (!n) throw notFound('NODE_NOT_FOUND', 'Diesen Knoten gibt es nicht (mehr).');
  return { nodeId: n.id, messageId: null };
}

const sameTarget = (nodeId: string, messageId: string | null) =>
  and(
    eq(reports.nodeId, nodeId),
    messageId ? eq(reports.messageId, messageId) : isNull(reports.messageId),
  );

export async function createReport(
  services: CoreServices,
  identity: AuthIdentity,
  input: CreateReportInput,
  requestId: string,
): Promise<ReportDTO> {
  return await services.sql.begin(async (tx) => {
    const reporter = await ensureAccount(tx, identity);
    // One account's reports one at a time, so the daily limit cannot be raced past.
    await tx`SELECT pg_advisory_xact_lock(hashtext('reports.limit'), hashtext(${reporter.id}))`;
    const target = await reportTarget(tx, input);
    const db = drizzleOn(tx);
    const [open] = await db
      .select()
      .from(reports)
      .where(
        and(
          eq(reports.reporterId, reporter.id),
          eq(reports.status, 'open'),
          sameTarget(target.nodeId, target.messageId),
        ),
      );
    // A second tap on the same thing is the same report (and costs nothing against the limit).
    if (open) return toReportDTO(open);

    const now = services.now();
    const since = new Date(now.getTime() - DAY_MS);
    const recent = await db
      .select({ createdAt: reports.createdAt })
      .from(reports)
      .where(and(eq(reports.reporterId, reporter.id), sql`${reports.createdAt} > ${since}`))
      .orderBy(asc(reports.createdAt));
    if (recent.length >= REPORTS_PER_DAY) {
      const freeAt = recent[recent.length - REPORTS_PER_DAY]!.createdAt.getTime() + DAY_MS;
      const retryAfterSeconds = Math.max(1, Math.ceil((freeAt - now.getTime()) / 1000));
      throw new ApiError(
        'REPORT_LIMIT_REACHED',
        'TOO_MANY_REQUESTS',
        `Du hast in 24 Stunden schon ${REPORTS_PER_DAY} Meldungen gemacht. Weitere sind in ${Math.ceil(retryAfterSeconds / 3600)} Stunden wieder möglich.`,
        { retryAfterSeconds },
      );
    }
    const [row] = await db
      .insert(reports)
      .values({
        reporterId: reporter.id,
        nodeId: target.nodeId,
        messageId: target.messageId,
        reason: input.reason,
        text: input.text,
        createdAt: now,
      })
      .returning();
    await writeAudit(
      tx,
      'report.create',
      row!.id,
      { nodeId: target.nodeId, messageId: target.messageId, reason: input.reason },
      { actorId: reporter.id, requestId, at: now },
    );
    return toReportDTO(row!);
  });
}

/** The open reports, oldest first, with what moderators need to decide. */
export async function reportQueue(
  services: CoreServices,
  input: ReportQueueInput,
): Promise<QueuedReportDTO[]> {
  const rows = await services.sql<
    Array<{
      id: string;
      node_id: string;
      message_id: string | null;
      reason: ReportRow['reason'];
      text: string;
      created_at: Date;
      reporter_name: string;
      node_title: string;
      message_body: string | null;
      open_on_target: number;
    }>
  >`
    SELECT r.id, r.node_id, r.message_id, r.reason, r.text, r.created_at,
           a.display_name AS reporter_name, n.title AS node_title,
           CASE WHEN m.retracted_at IS NULL AND m.hidden_at IS NULL THEN m.body END AS message_body,
           count(*) OVER (PARTITION BY r.node_id, r.message_id)::int AS open_on_target
      FROM reports r
      JOIN accounts a ON a.id = r.reporter_id
      JOIN nodes n ON n.id = r.node_id
      LEFT JOIN messages m ON m.id = r.message_id
     WHERE r.status = 'open'
     ORDER BY r.created_at, r.id
     LIMIT ${input.limit}`;
  return rows.map((r) => ({
    id: r.id,
    nodeId: r.node_id,
    messageId: r.message_id,
    reason: r.reason,
    status: 'open' as const,
    createdAt: r.created_at.toISOString(),
    text: r.text,
    reporterName: r.reporter_name,
    nodeTitle: r.node_title,
    messageExcerpt: r.message_body === null ? null : excerpt(r.message_body, 280),
    openOnTarget: r.open_on_target,
  }));
}

/** Moderation of a message: hidden messages read as tombstones, like retracted ones. */
async function hideMessageIn(
  tx: Tx,
  moderator: AccountRef,
  messageId: string,
  { requestId, now }: { requestId: string; now: Date },
): Promise<void> {
  const [row] = await drizzleOn(tx)
    .update(messages)
    .set({ hiddenAt: now })
    .where(and(eq(messages.id, messageId), isNull(messages.hiddenAt)))
    .returning({ nodeId: messages.nodeId });
  if (!row) return;
  await writeAudit(
    tx,
    'message.hide',
    messageId,
    { hidden: { old: false, new: true } },
    {
      actorId: moderator.id,
      requestId,
      at: now,
    },
  );
  // Open viewers drop its text as for a retraction (the event says only which message is gone).
  await writeEvent(
    tx,
    'message.retracted',
    { actorId: moderator.id, aggregateId: messageId, version: 2, occurredAt: now },
    { messageId, nodeId: row.nodeId },
  );
}

/** The German text the reporter reads (the interface speaks German first). */
export function outcomeText(
  outcome: ReportOutcome,
  what: { title: string; isMessage: boolean },
  note: string,
): string {
  const about = what.isMessage ? `zum Beitrag bei „${what.title}“` : `zu „${what.title}“`;
  const verdict =
    outcome === 'hidden'
      ? `Deine Meldung ${about} wurde geprüft: ${what.isMessage ? 'Der Beitrag' : 'Der Knoten'} ist jetzt verborgen.`
      : `Deine Meldung ${about} wurde geprüft und zurückgewiesen: Es wurde nichts verborgen.`;
  return note ? `${verdict} Anmerkung der Moderation: „${excerpt(note, 400)}“` : verdict;
}

export async function resolveReport(
  services: CoreServices,
  identity: AuthIdentity,
  input: ResolveReportInput,
  requestId: string,
): Promise<ResolvedReportDTO> {
  return await services.sql.begin(async (tx) => {
    const moderator = await ensureAccount(tx, identity);
    const db = drizzleOn(tx);
    const [report] = await db.select().from(reports).where(eq(reports.id, input.id)).for('update');
    if (!report) throw notFound('REPORT_NOT_FOUND', 'Diese Meldung gibt es nicht.');
    if (report.status !== 'open') {
      throw conflict(
        'REPORT_ALREADY_RESOLVED',
        'Diese Meldung wurde schon bearbeitet (vielleicht gerade von jemand anderem).',
        { status: report.status },
      );
    }
    const now = services.now();
    const step = { requestId, now };
    let hiddenNode: ResolvedReportDTO['hiddenNode'] = null;
    if (input.outcome === 'hidden') {
      if (report.messageId) {
        await hideMessageIn(tx, moderator, report.messageId, step);
      } else {
        const node = await hideNodeIn(tx, moderator, { id: report.nodeId, hidden: true }, step);
        hiddenNode = { id: node.id, lat: node.lat, lon: node.lon };
      }
    }
    // Everyone who reported the same thing gets the same answer: one decision closes them all.
    const closed = await db
      .update(reports)
      .set({
        status: input.outcome,
        resolvedAt: now,
        resolvedBy: moderator.id,
        resolutionNote: input.note,
      })
      .where(and(eq(reports.status, 'open'), sameTarget(report.nodeId, report.messageId)))
      .returning({ id: reports.id, reporterId: reports.reporterId });
    const [node] = await tx<
      { title: string }[]
    >`SELECT title FROM nodes WHERE id = ${report.nodeId}`;
    const text = outcomeText(
      input.outcome,
      { title: node!.title, isMessage: report.messageId !== null },
      input.note,
    );
    for (const c of closed) {
      await writeAudit(
        tx,
        input.outcome === 'hidden' ? 'report.hide' : 'report.dismiss',
        c.id,
        {
          status: { old: 'open', new: input.outcome },
          note: input.note,
          decidedWith: report.id,
        },
        { actorId: moderator.id, requestId, at: now },
      );
      // The report's id keys its one notification (a notification is unique per event id).
      await db
        .insert(notifications)
        .values({
          accountId: c.reporterId,
          eventId: c.id,
          kind: 'report',
          nodeId: report.nodeId,
          text,
          createdAt: now,
        })
        .onConflictDoNothing({ target: [notifications.accountId, notifications.eventId] });
    }
    return { id: report.id, outcome: input.outcome, closed: closed.length, hiddenNode };
  });
}

/** The reporter's own reports, newest first (so the app can show what became of them). */
export async function myReports(services: CoreServices, identity: AuthIdentity) {
  const rows = await drizzleOn(services.sql)
    .select({ report: reports })
    .from(reports)
    .innerJoin(accounts, eq(accounts.id, reports.reporterId))
    .where(eq(accounts.subject, identity.subject))
    .orderBy(sql`${reports.createdAt} DESC`)
    .limit(50);
  return rows.map((r) => toReportDTO(r.report));
}
