// Idempotency of commands that carry an operationId: the first answer to an id is the answer,
// and the same id with other content (or another command or person) is a CONFLICT.
import { conflict } from '../errors.ts';
import type { Tx } from '../outbox/write-event.ts';

/** Stable hash of a command's content, so a reused operation id with other content is caught. */
export function requestHash(input: Record<string, unknown>): string {
  const { operationId: _ignored, ...content } = input;
  const canonical = JSON.stringify(content, Object.keys(content).sort());
  return new Bun.CryptoHasher('sha256').update(canonical).digest('hex');
}

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
  const [prior] = await tx<
    { account_id: string; command: string; request_hash: string; result: T }[]
  >`
    SELECT account_id, command, request_hash, result FROM operations WHERE operation_id = ${op.operationId}`;
  if (!prior) return null;
  if (
    prior.account_id !== op.accountId ||
    prior.command !== op.command ||
    prior.request_hash !== op.hash
  ) {
    throw conflict(
      'OPERATION_ID_REUSED',
      'Diese operationId wurde schon für einen anderen Befehl verwendet.',
    );
  }
  return prior.result;
}

/** Stores the answer of a successful command under its operation id (same transaction). */
export async function recordResult(tx: Tx, op: Operation, result: unknown): Promise<void> {
  await tx`INSERT INTO operations (operation_id, account_id, command, request_hash, result)
    VALUES (${op.operationId}, ${op.accountId}, ${op.command}, ${op.hash}, ${tx.json(result as never)})`;
}
