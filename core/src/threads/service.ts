// Thread commands: spinning a participation thread to a live node (renewed while it lives).
import type { AuthIdentity } from '@weltgewebe/kit';
import { ensureAccount } from '../accounts/provision.ts';
import { notFound } from '../errors.ts';
import type { Tx } from '../outbox/write-event.ts';
import type { CoreServices } from '../services.ts';
import { type SpinThreadInput, strengthAt, type ThreadDTO } from './model.ts';
import { spinThread } from './spin.ts';

/** A live node's location, or NODE_NOT_FOUND (removed and hidden nodes take no threads). */
export async function liveNodeLocation(tx: Tx, nodeId: string) {
  const [node] = await tx<{ lat: number; lon: number }[]>`
    SELECT ST_Y(location) AS lat, ST_X(location) AS lon FROM live_nodes WHERE id = ${nodeId}`;
  if (!node) throw notFound('NODE_NOT_FOUND', 'Diesen Knoten gibt es nicht (mehr).');
  return { lat: node.lat, lon: node.lon };
}

export async function spinParticipation(
  services: CoreServices,
  identity: AuthIdentity,
  input: SpinThreadInput,
): Promise<ThreadDTO> {
  return await services.sql.begin(async (tx) => {
    const account = await ensureAccount(tx, identity);
    const to = await liveNodeLocation(tx, input.nodeId);
    const now = services.now();
    const spun = await spinThread(tx, {
      accountId: account.id,
      nodeId: input.nodeId,
      kind: input.kind,
      now,
      from: account.publicPoint,
      to,
    });
    return {
      id: spun.threadId,
      nodeId: input.nodeId,
      accountId: account.id,
      kind: input.kind,
      spunAt: now.toISOString(),
      expiresAt: spun.expiresAt.toISOString(),
      strength: strengthAt(spun.expiresAt, now),
      renewed: spun.renewed,
    };
  });
}
