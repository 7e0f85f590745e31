// Message rows and the one mapping to the DTO core and edge return; a retracted or hidden
// message is a tombstone without text that keeps its place. Pure: no connection.
import { messages } from '../schema/tables.ts';

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

/** The columns a MessageRow is read from: a Drizzle selection (core) … */
export const messageRowFields = {
  id: messages.id,
  node_id: messages.nodeId,
  author_id: messages.authorId,
  author_name: messages.authorName,
  body: messages.body,
  created_at: messages.createdAt,
  retracted_at: messages.retractedAt,
  hidden_at: messages.hiddenAt,
} satisfies Record<keyof MessageRow, unknown>;

/** … and the same as a SELECT or RETURNING list for hand-written SQL (edge, the post insert). */
export const MESSAGE_COLUMNS = Object.values(messageRowFields)
  .map((column) => column.name)
  .join(', ');

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
