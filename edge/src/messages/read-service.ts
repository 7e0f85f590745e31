// A node's conversation straight from PostgreSQL, keyset-paginated, oldest first.
import type { Sql } from '@weltgewebe/db/client';
import { assertLiveNode } from '../threads/read-service.ts';
import type { ListMessagesInput, MessageListItem } from './model.ts';

interface Row {
  seq: string;
  id: string;
  node_id: string;
  author_id: string;
  author_name: string;
  body: string;
  created_at: Date;
  retracted_at: Date | null;
  hidden_at: Date | null;
}

export async function listMessages(sql: Sql, input: ListMessagesInput) {
  await assertLiveNode(sql, input.nodeId);
  const after = input.cursor ? sql`AND seq > ${input.cursor}` : sql``;
  const rows = await sql<Row[]>`
    SELECT seq::text AS seq, id, node_id, author_id, author_name, body, created_at, retracted_at, hidden_at
    FROM messages WHERE node_id = ${input.nodeId} ${after}
    ORDER BY seq
    LIMIT ${input.limit + 1}`;
  const page = rows.slice(0, input.limit);
  const items: MessageListItem[] = page.map((r) => {
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
  });
  return { items, nextCursor: rows.length > input.limit ? page[page.length - 1]!.seq : null };
}
