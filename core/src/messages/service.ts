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
import { THREAD_LIFETIME_HOURS } from '@weltgewebe/events/domain';
import { type AuthIdentity, roleAtLeast } from '@weltgewebe/kit';
import { eq } from 'drizzle-orm';
import { accountParams, ensureAccount } from '../accounts/provision.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { conflict, forbidden, notFound, refusalsAsDomainErrors } from '../errors.ts';
import { writeEvent } from '../outbox/write-event.ts';
import type { CoreServices } from '../services.ts';
import { nodeGone } from '../threads/service.ts';
import type { PostMessageInput, RetractMessageInput } from './model.ts';

/** messages.post in one statement (SQL function command_post_message, migration 0017). */
export async function postMessage(
  services: CoreServices,
  identity: AuthIdentity,
  input: PostMessageInput,
): Promise<MessageDTO> {
  const author = accountParams(identity);
  const [row] = await refusalsAsDomainErrors(
    services.sql.unsafe<MessageRow[]>(
      `SELECT ${MESSAGE_COLUMNS} FROM command_post_message($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        author.subject,
        author.displayName,
        author.email,
        author.registeredAt,
        services.now(),
        THREAD_LIFETIME_HOURS,
        input.nodeId,
        input.body,
        input.idempotencyKey,
      ],
      { prepare: true },
    ),
    {
      IDEMPOTENCY_KEY_REUSED: () =>
        conflict(
          'IDEMPOTENCY_KEY_REUSED',
          'Dieser idempotencyKey gehört schon zu einem anderen Beitrag.',
        ),
      NODE_NOT_FOUND: nodeGone,
    },
  );
  return toMessageDTO(row!);
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
