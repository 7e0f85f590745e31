// Writes an event to the outbox inside the caller's transaction (the same one as the change).

import {
  type EventData,
  type EventType,
  makeEnvelope,
  subjectFor,
} from '@weltgewebe/events/contracts';
import type { TransactionSql } from 'postgres';

/** A transaction handle: every write and its outbox row share one. */
export type Tx = TransactionSql;

export interface EventFields {
  actorId: string | null;
  aggregateId: string;
  version: number;
  occurredAt?: Date;
}

export async function writeEvent<T extends EventType>(
  tx: Tx,
  type: T,
  fields: EventFields,
  data: EventData<T>,
): Promise<string> {
  const id = crypto.randomUUID();
  const envelope = makeEnvelope(
    type,
    { ...fields, id, occurredAt: fields.occurredAt ?? new Date() },
    data,
  );
  await tx`INSERT INTO outbox (id, subject, envelope) VALUES (${id}, ${subjectFor(type)}, ${tx.json(envelope as never)})`;
  return id;
}
