// Thread commands: spinning a participation thread to a live node (renewed while it lives), in
// one statement (SQL function command_spin_thread, db/migrations/0019_command_functions.sql).
import { THREAD_LIFETIME_HOURS } from '@weltgewebe/events/domain';
import type { AuthIdentity } from '@weltgewebe/kit';
import { accountParams } from '../accounts/provision.ts';
import { notFound, refusalsAsDomainErrors } from '../errors.ts';
import { operationIdReused, requestHash } from '../nodes/operations.ts';
import type { CoreServices } from '../services.ts';
import type { SpinThreadInput, ThreadDTO } from './model.ts';

/** Removed and hidden nodes take no threads. */
export const nodeGone = () => notFound('NODE_NOT_FOUND', 'Diesen Knoten gibt es nicht (mehr).');

export async function spinParticipation(
  services: CoreServices,
  identity: AuthIdentity,
  input: SpinThreadInput,
): Promise<ThreadDTO> {
  const account = accountParams(identity);
  const [row] = await refusalsAsDomainErrors(
    services.sql<{ thread: ThreadDTO }[]>`
      SELECT command_spin_thread(
        ${account.subject}, ${account.displayName}, ${account.email}, ${account.registeredAt},
        ${input.operationId ?? null}, ${input.operationId ? requestHash(input) : null},
        ${services.now()}, ${THREAD_LIFETIME_HOURS}, ${input.nodeId}, ${input.kind}) AS thread`,
    { OPERATION_ID_REUSED: operationIdReused, NODE_NOT_FOUND: nodeGone },
  );
  return row!.thread;
}
