// A node's conversation straight from PostgreSQL, keyset-paginated, oldest first.
import type { Sql } from '@weltgewebe/db/client';
import { MESSAGE_COLUMNS, type MessageRow, toMessageDTO } from '@weltgewebe/db/dto';
import { assertLiveNode } from '../threads/read-service.ts';
import type { ListMessagesInput } from './model.ts';

export async function listMessages(sql: Sql, input: ListMessagesInput) {
  await assertLiveNode(sql, input.nodeId);
  const after = input.cursor ? sql`AND seq > ${input.cursor}` : sql``;
  const rows = await sql<(MessageRow & { seq: string })[]>`
    SELECT seq::text AS seq, ${sql.unsafe(MESSAGE_COLUMNS)}
    FROM messages WHERE node_id = ${input.nodeId} ${after}
    ORDER BY seq
    LIMIT ${input.limit + 1}`;
  const page = rows.slice(0, input.limit);
  return {
    items: page.map(toMessageDTO),
    nextCursor: rows.length > input.limit ? page[page.length - 1]!.seq : null,
  };
}
