// Message commands: posting to a node's conversation (idempotent per author and key; spins
// or renews a conversation thread) and retracting (own messages, or any as admin).
import { drizzleOn } from '@weltgewebe/db/client';
import {
  MESSAGE_COLUMNS,
  type MessageDTO,
  type MessageRow,
  messageRowFields,
  toMessageDTO,
} from '@weltgewebe/db/dto';
import { messages } from '@weltgewebe/db/schema';
import { type AuthIdentity, roleAtLeast } from '@weltgewebe/kit';
import { and, eq } from 'drizzle-orm';
import { ensureAccount } from '../accounts/provision.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { conflict, forbidden, notFound } from '../errors.ts';
import { writeEvent } from '../outbox/write-event.ts';
import type { CoreServices } from '../services.ts';
import { liveNodeLocation } from '../threads/service.ts';
import { spinThread } from '../threads/spin.ts';
import type { PostMessageInput, RetractMessageInput } from './model.ts';

export async function postMessage(
  services: CoreServices,
  identity: AuthIdentity,
  input: PostMessageInput,
): Promise<MessageDTO> {
  return await services.sql.begin(async (tx) => {
    const author = await ensureAccount(tx, identity);
    // The same key twice at once: the second waits and then finds the first.
    await tx`SELECT pg_advisory_xact_lock(hashtext('messages.post'),
      hashtext(${`${author.id}:${input.idempotencyKey}`}))`;
    const [prior] = await drizzleOn(tx)
      .select(messageRowFields)
      .from(messages)
      .where(
        and(eq(messages.authorId, author.id), eq(messages.idempotencyKey, input.idempotencyKey)),
      );
    if (prior) {
      const sameContent =
        prior.node_id === input.nodeId &&
        (prior.retracted_at !== null || prior.body === input.body);
      if (!sameContent) {
        throw conflict(
          'IDEMPOTENCY_KEY_REUSED',
          'Dieser idempotencyKey gehört schon zu einem anderen Beitrag.',
        );
      }
      return toMessageDTO(prior);
    }

    const to = await liveNodeLocation(tx, input.nodeId);
    const now = services.now();
    // Seeded or older nodes may lack their conversation row; every node has exactly one.
    await tx`INSERT INTO conversations (node_id) VALUES (${input.nodeId}) ON CONFLICT (node_id) DO NOTHING`;
    const [row] = await tx.unsafe<MessageRow[]>(
      `INSERT INTO messages (conversation_id, node_id, author_id, author_name, body, idempotency_key, created_at)
       SELECT c.id, c.node_id, $2, $3, $4, $5, $6 FROM conversations c WHERE c.node_id = $1
       RETURNING ${MESSAGE_COLUMNS}`,
      [input.nodeId, author.id, author.displayName, input.body, input.idempotencyKey, now],
    );
    const message = toMessageDTO(row!);
    await writeEvent(
      tx,
      'message.posted',
      { actorId: author.id, aggregateId: message.id, version: 1, occurredAt: now },
      {
        messageId: message.id,
        nodeId: message.nodeId,
        authorId: author.id,
        authorName: message.authorName,
        body: input.body,
        createdAt: message.createdAt,
      },
    );
    await spinThread(tx, {
      accountId: author.id,
      nodeId: input.nodeId,
      kind: 'conversation',
      now,
      from: author.publicPoint,
      to,
    });
    return message;
  });
}

export async function retractMessage(
  services: CoreServices,
  identity: AuthIdentity,
  input: RetractMessageInput,
  requestId: string,
): Promise<MessageDTO> {
  return await services.sql.begin(async (tx) => {
    const actor = await ensureAccount(tx, identity);
    const db = drizzleOn(tx);
    const [message] = await db
      .select(messageRowFields)
      .from(messages)
      .where(eq(messages.id, input.messageId))
      .for('update');
    if (!message) throw notFound('MESSAGE_NOT_FOUND', 'Diesen Beitrag gibt es nicht.');
    const own = message.author_id === actor.id;
    if (!own && !roleAtLeast(identity.role, 'admin')) {
      throw forbidden(
        'NOT_MESSAGE_AUTHOR',
        'Du kannst nur deine eigenen Beiträge zurückziehen (oder als Admin).',
      );
    }
    if (message.retracted_at !== null) return toMessageDTO(message);

    const now = services.now();
    const [row] = await db
      .update(messages)
      .set({ body: '', retractedAt: now })
      .where(eq(messages.id, message.id))
      .returning(messageRowFields);
    await writeAudit(
      tx,
      'message.retract',
      message.id,
      { byAuthor: own },
      {
        actorId: actor.id,
        requestId,
        at: now,
      },
    );
    await writeEvent(
      tx,
      'message.retracted',
      { actorId: actor.id, aggregateId: message.id, version: 2, occurredAt: now },
      { messageId: message.id, nodeId: message.node_id },
    );
    return toMessageDTO(row!);
  });
}
