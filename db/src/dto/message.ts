// Message rows and the one mapping to the DTO core and edge return; a retracted or hidden
// message is a tombstone without text that keeps its place. Pure: no connection.

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

/** The columns of `messages` a MessageRow is read from, for a SELECT or RETURNING list. */
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
