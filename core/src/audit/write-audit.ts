// One row of the audit trail (core/README.md: actor, time, what changed), written in the
// transaction of the change it records.
import type { Tx } from '../outbox/write-event.ts';

/** `<aggregate type>.<verb>`, e.g. `node.update`; the aggregate type is the part before the dot. */
export type AuditAction = `${'node' | 'weavery' | 'message'}.${string}`;

export interface AuditContext {
  actorId: string;
  requestId: string;
  at: Date;
}

export async function writeAudit(
  tx: Tx,
  action: AuditAction,
  aggregateId: string,
  changes: Record<string, unknown>,
  { actorId, requestId, at }: AuditContext,
): Promise<void> {
  const aggregateType = action.slice(0, action.indexOf('.'));
  await tx`INSERT INTO audit_log (actor_id, action, aggregate_type, aggregate_id, changes, request_id, occurred_at)
    VALUES (${actorId}, ${action}, ${aggregateType}, ${aggregateId}, ${tx.json(changes as never)},
            ${requestId}, ${at})`;
}
