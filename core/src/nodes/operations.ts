// Idempotency of commands that carry an operationId: the first answer to an id is the answer,
// and the same id with other content (or another command or person) is a CONFLICT.
import { drizzleOn } from '@weltgewebe/db/client';
import { operations } from '@weltgewebe/db/schema';
import { eq } from 'drizzle-orm';
import { conflict } from '../errors.ts';
import type { Tx } from '../outbox/write-event.ts';

/** Stable hash of a command's content, so a reused operation id with other content is caught. */
export function requestHash(input: Record<string, unknown>): string {
  const { operationId: _ignored, ...content } = input;
  const canonical = JSON.stringify(content, Object.keys(content).sort());
  return new Bun.CryptoHasher('sha256').update(canonical).digest('hex');
}

/** The same operation id with other content, or for another command or person. */
export const operationIdReused = () =>
  conflict(
    'OPERATION_ID_REUSED',
    'Diese operationId wurde schon für einen anderen Befehl verwendet.',
  );

export interface Operation {
  operationId: string;
  accountId: string;
  command: string;
  hash: string;
}

/**
 * Looks up an earlier answer to this operation (inside the command's transaction). Holds a lock
 * on the id until the transaction ends, so a repeat sent while the first is running waits for it.
 */
export async function priorResult<T>(tx: Tx, op: Operation): Promise<T | null> {
  await tx`SELECT pg_advisory_xact_lock(hashtext(${op.operationId}))`;
  const [prior] = await drizzleOn(tx)
    .select({
      accountId: operations.accountId,
      command: operations.command,
      requestHash: operations.requestHash,
      result: operations.result,
    })
    .from(operations)
    .where(eq(operations.operationId, op.operationId));
  if (!prior) return null;
  if (
    prior.accountId !== op.accountId ||
    prior.command !== op.command ||
    prior.requestHash !== op.hash
  ) {
    throw operationIdReused();
  }
  return prior.result as T;
}

/** Stores the answer of a successful command under its operation id (same transaction). */
export async function recordResult(tx: Tx, op: Operation, result: unknown): Promise<void> {
  await drizzleOn(tx).insert(operations).values({
    operationId: op.operationId,
    accountId: op.accountId,
    command: op.command,
    requestHash: op.hash,
    result,
  });
}
