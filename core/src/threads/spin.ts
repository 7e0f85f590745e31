// Spinning a thread inside a caller's transaction: a new one, or a renewal when the same kind to
// the same node still lives (SQL function spin_thread, db/migrations/0019_command_functions.sql;
// the commands call it from their own functions, this is for the rest).
import type { PublicPoint } from '@weltgewebe/events/contracts';
import { THREAD_LIFETIME_HOURS, type ThreadKind } from '@weltgewebe/events/domain';
import type { Tx } from '../outbox/write-event.ts';

export interface SpinResult {
  threadId: string;
  renewed: boolean;
  expiresAt: Date;
}

export async function spinThread(
  tx: Tx,
  args: {
    accountId: string;
    nodeId: string;
    kind: ThreadKind;
    now: Date;
    from: PublicPoint | null;
    to: PublicPoint;
  },
): Promise<SpinResult> {
  const [row] = await tx<{ thread_id: string; renewed: boolean; thread_expires_at: Date }[]>`
    SELECT * FROM spin_thread(${args.accountId}, ${args.nodeId}, ${args.kind}, ${args.now},
      ${THREAD_LIFETIME_HOURS}, ${args.from ? tx.json(args.from) : null}, ${tx.json(args.to)})`;
  return { threadId: row!.thread_id, renewed: row!.renewed, expiresAt: row!.thread_expires_at };
}
