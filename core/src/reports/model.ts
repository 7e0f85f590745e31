// Report and moderation inputs (reasons and limits from @weltgewebe/events/domain) and the DTOs
// the reporter and the moderators see.
import { REPORT_OUTCOMES, REPORT_REASONS, REPORT_TEXT_MAX_CHARS } from '@weltgewebe/events/domain';
import { z } from 'zod';

const atMost = `Höchstens ${REPORT_TEXT_MAX_CHARS.toLocaleString('de-DE')} Zeichen.`;
const freeText = z
  .string()
  .trim()
  .max(REPORT_TEXT_MAX_CHARS, atMost)
  .refine((s) => !s.includes('\u0000'), 'Das Zeichen NUL ist nicht erlaubt.')
  .default('');

/** A Knoten (`nodeId`) or a message (`messageId`) is reported, never both. */
export const createReportInput = z
  .object({
    nodeId: z.string().uuid('nodeId muss eine UUID sein.').optional(),
    messageId: z.string().uuid('messageId muss eine UUID sein.').optional(),
    reason: z.enum(REPORT_REASONS, { error: `Grund: eines von ${REPORT_REASONS.join(', ')}.` }),
    text: freeText,
  })
  .refine((r) => (r.nodeId === undefined) !== (r.messageId === undefined), {
    message: 'Genau eines von nodeId oder messageId.',
    path: ['nodeId'],
  });

export const reportQueueInput = z
  .object({ limit: z.number().int().min(1).max(100).default(50) })
  .default({ limit: 50 });

export const resolveReportInput = z.object({
  id: z.string().uuid('id muss eine UUID sein.'),
  outcome: z.enum(REPORT_OUTCOMES, { error: 'Ergebnis: hidden oder dismissed.' }),
  note: freeText,
});

export type CreateReportInput = z.infer<typeof createReportInput>;
export type ReportQueueInput = z.infer<typeof reportQueueInput>;
export type ResolveReportInput = z.infer<typeof resolveReportInput>;

/** What the reporter gets back: their report (a repeated tap returns the open one). */
export interface ReportDTO {
  id: string;
  nodeId: string;
  messageId: string | null;
  reason: (typeof REPORT_REASONS)[number];
  status: 'open' | (typeof REPORT_OUTCOMES)[number];
  createdAt: string;
}

/** One entry of the moderators' queue. */
export interface QueuedReportDTO extends ReportDTO {
  text: string;
  reporterName: string;
  nodeTitle: string;
  /** The reported message's text (null for a node report, or a message already gone). */
  messageExcerpt: string | null;
  /** Open reports on the same thing, this one included. */
  openOnTarget: number;
}

export interface ResolvedReportDTO {
  id: string;
  outcome: (typeof REPORT_OUTCOMES)[number];
  /** Open reports on the same thing closed with it (this one included). */
  closed: number;
  /** Where a hidden node was, so the edge drops its tiles at once. */
  hiddenNode: { id: string; lat: number; lon: number } | null;
}
