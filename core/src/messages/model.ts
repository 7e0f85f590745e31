// Message inputs (domain.md: 1–4,000 chars, a client-chosen idempotency key) and the DTO;
// a retracted or hidden message is a tombstone without text that keeps its place.
import { z } from 'zod';

export const MESSAGE_MAX_CHARS = 4000;

export const postMessageInput = z.object({
  nodeId: z.string().uuid('nodeId muss eine UUID sein.'),
  body: z
    .string()
    .trim()
    .min(1, 'Der Beitrag ist leer.')
    .max(MESSAGE_MAX_CHARS, `Höchstens ${MESSAGE_MAX_CHARS.toLocaleString('de-DE')} Zeichen.`),
  idempotencyKey: z.string().uuid('idempotencyKey muss eine UUID sein.'),
});

export const retractMessageInput = z.object({
  messageId: z.string().uuid('messageId muss eine UUID sein.'),
});

export type PostMessageInput = z.infer<typeof postMessageInput>;
export type RetractMessageInput = z.infer<typeof retractMessageInput>;

export interface MessageDTO {
  id: string;
  nodeId: string;
  authorId: string;
  /** The author's display name when the message was posted. */
  authorName: string;
  /** null for a tombstone (retracted by its author or hidden by moderation). */
  body: string | null;
  retracted: boolean;
  hidden: boolean;
  createdAt: string;
  retractedAt: string | null;
}

export interface MessageRow {
  id: string;
  node_id: string;
  author_id: string;
  author_name: string;
  body: string;
  created_at: Date;
  retracted_at: Date | null;
  hidden_at: Date | null;
}

export const MESSAGE_COLUMNS =
  'id, node_id, author_id, author_name, body, created_at, retracted_at, hidden_at';

export function toMessageDTO(r: MessageRow): MessageDTO {
  const tombstone = r.retracted_at !== null || r.hidden_at !== null;
  return {
    id: r.id,
    nodeId: r.node_id,
    authorId: r.author_id,
    authorName: r.author_name,
    body: tombstone ? null : r.body,
    retracted: r.retracted_at !== null,
    hidden: r.hidden_at !== null,
    createdAt: r.created_at.toISOString(),
    retractedAt: r.retracted_at?.toISOString() ?? null,
  };
}
