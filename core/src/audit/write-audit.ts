// One row of the audit trail (core/README.md: actor, time, what changed), written in the
// transaction of the change it records.
import { drizzleOn } from '@weltgewebe/db/client';
import { auditLog } from '@weltgewebe/db/schema';
import type { Tx } from '../outbox/write-event.ts';

/** `<aggregate type>.<verb>`, e.g. `node.update`; the aggregate type is the part before the dot. */
export type AuditAction = `${'node' | 'weavery' | 'message' | 'report'}.${string}`;

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
  await drizzleOn(tx)
    .insert(auditLog)
    .values({
      actorId,
      action,
      aggregateType: action.slice(0, action.indexOf('.')),
      aggregateId,
      changes,
      requestId,
      occurredAt: at,
    });
}
