// Spinning a thread: a new one, or a renewal when the same kind to the same node still lives.
import type { PublicPoint } from '@weltgewebe/events/contracts';
import { THREAD_LIFETIME_HOURS, type ThreadKind } from '@weltgewebe/events/domain';
import { type Tx, writeEvent } from '../outbox/write-event.ts';

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
  const expiresAt = new Date(args.now.getTime() + THREAD_LIFETIME_HOURS * 3_600_000);
  // Two spins of the same thread at once would both try to insert; take turns.
  await tx`SELECT pg_advisory_xact_lock(hashtext('threads.spin'),
    hashtext(${`${args.accountId}:${args.nodeId}:${args.kind}`}))`;
  // A thread past its time but not yet swept is over: close it so the new one may start,
  // and say so as the sweeper would (it will not see this thread any more).
  const overdue = await tx<{ id: string }[]>`UPDATE threads SET expired_at = expires_at
    WHERE account_id = ${args.accountId} AND node_id = ${args.nodeId} AND kind = ${args.kind}
      AND expired_at IS NULL AND expires_at <= ${args.now}
    RETURNING id`;
  for (const { id } of overdue) {
    await writeEvent(
      tx,
      'thread.expired',
      { actorId: null, aggregateId: id, version: 1, occurredAt: args.now },
      {
        threadId: id,
        nodeId: args.nodeId,
        accountId: args.accountId,
        kind: args.kind,
        from: args.from,
        to: args.to,
      },
    );
  }
  const renewed = await tx<{ id: string }[]>`
    UPDATE threads SET spun_at = ${args.now}, expires_at = ${expiresAt}
    WHERE account_id = ${args.accountId} AND node_id = ${args.nodeId} AND kind = ${args.kind}
      AND expired_at IS NULL
    RETURNING id`;
  let threadId = renewed[0]?.id;
  if (!threadId) {
    const [row] = await tx<{ id: string }[]>`
      INSERT INTO threads (account_id, node_id, kind, spun_at, expires_at)
      VALUES (${args.accountId}, ${args.nodeId}, ${args.kind}, ${args.now}, ${expiresAt})
      RETURNING id`;
    threadId = row!.id;
  }
  await writeEvent(
    tx,
    renewed[0] ? 'thread.renewed' : 'thread.spun',
    { actorId: args.accountId, aggregateId: threadId, version: 1, occurredAt: args.now },
    {
      threadId,
      nodeId: args.nodeId,
      accountId: args.accountId,
      kind: args.kind,
      expiresAt: expiresAt.toISOString(),
      from: args.from,
      to: args.to,
    },
  );
  return { threadId, renewed: Boolean(renewed[0]), expiresAt };
}
