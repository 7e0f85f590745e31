// Node commands: the rules of domain.md for creating (and later editing) Knoten.
import { MAX_LIVE_NODES_PER_ACCOUNT } from '@weltgewebe/db/schema';
import type { AuthIdentity } from '@weltgewebe/infra/kit';
import { ensureAccount } from '../accounts/provision.ts';
import { conflict, forbidden } from '../errors.ts';
import { cellsOf } from '../geo/h3-cells.ts';
import { type Tx, writeEvent } from '../outbox/write-event.ts';
import type { CoreServices } from '../services.ts';
import { spinThread } from '../threads/spin.ts';
import { type CreateNodeInput, type NodeDTO, type NodeRow, toNodeDTO } from './model.ts';

const NODE_COLUMNS = `id, kind, title, summary, body, address, topics, ST_Y(location) AS lat, ST_X(location) AS lon,
  starts_at, ends_at, version, created_by, created_at, updated_at`;

/** Stable hash of a command's content, so a reused operation id with other content is caught. */
export function requestHash(input: Record<string, unknown>): string {
  const { operationId: _ignored, ...content } = input;
  const canonical = JSON.stringify(content, Object.keys(content).sort());
  return new Bun.CryptoHasher('sha256').update(canonical).digest('hex');
}

/** Looks up an earlier answer to this operation id (inside the command's transaction). */
async function priorResult<T>(
  tx: Tx,
  operationId: string,
  accountId: string,
  command: string,
  hash: string,
) {
  await tx`SELECT pg_advisory_xact_lock(hashtext(${operationId}))`;
  const [prior] = await tx<
    { account_id: string; command: string; request_hash: string; result: T }[]
  >`
    SELECT account_id, command, request_hash, result FROM operations WHERE operation_id = ${operationId}`;
  if (!prior) return null;
  if (prior.account_id !== accountId || prior.command !== command || prior.request_hash !== hash) {
    throw conflict(
      'OPERATION_ID_REUSED',
      'Diese operationId wurde schon für einen anderen Befehl verwendet.',
    );
  }
  return prior.result;
}

export async function createNode(
  services: CoreServices,
  identity: AuthIdentity,
  input: CreateNodeInput,
  requestId: string,
): Promise<NodeDTO> {
  const hash = requestHash(input);
  return await services.sql.begin(async (tx) => {
    const account = await ensureAccount(tx, identity);
    const prior = await priorResult<NodeDTO>(
      tx,
      input.operationId,
      account.id,
      'nodes.create',
      hash,
    );
    if (prior) return prior;

    // Serialise this account's creates so the quota cannot be raced past.
    await tx`SELECT pg_advisory_xact_lock(hashtext('nodes.quota'), hashtext(${account.id}))`;
    const [{ live }] = (await tx`SELECT count(*)::int AS live FROM nodes
      WHERE created_by = ${account.id} AND removed_at IS NULL`) as unknown as [{ live: number }];
    if (live >= MAX_LIVE_NODES_PER_ACCOUNT) {
      throw forbidden(
        'NODE_QUOTA_EXCEEDED',
        `Du hast schon ${MAX_LIVE_NODES_PER_ACCOUNT} lebende Knoten. Entferne einen, bevor du einen neuen knüpfst.`,
      );
    }
    const now = services.now();
    const cells = cellsOf(input.lat, input.lon);
    const [row] = await tx.unsafe<NodeRow[]>(
      `INSERT INTO nodes (kind, title, summary, body, address, topics, location, h3_r3, h3_r5, h3_r7, h3_r9,
         starts_at, ends_at, created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, ST_SetSRID(ST_MakePoint($7, $8), 4326), $9, $10, $11, $12, $13, $14, $15, $16, $16)
       RETURNING ${NODE_COLUMNS}`,
      [
        input.kind,
        input.title,
        input.summary,
        input.body,
        input.address,
        input.topics as never,
        input.lon,
        input.lat,
        String(cells.r3),
        String(cells.r5),
        String(cells.r7),
        String(cells.r9),
        input.startsAt ?? null,
        input.endsAt ?? null,
        account.id,
        now,
      ],
    );
    const node = toNodeDTO(row!);
    await tx`INSERT INTO conversations (node_id) VALUES (${node.id})`;
    await tx`INSERT INTO audit_log (actor_id, action, aggregate_type, aggregate_id, changes, request_id)
      VALUES (${account.id}, 'node.create', 'node', ${node.id}, ${tx.json({ title: node.title, kind: node.kind })}, ${requestId})`;
    const location = { lat: node.lat, lon: node.lon };
    await writeEvent(
      tx,
      'node.created',
      { actorId: account.id, aggregateId: node.id, version: node.version, occurredAt: now },
      {
        id: node.id,
        kind: node.kind,
        title: node.title,
        topics: node.topics,
        location,
        version: node.version,
      },
    );
    await spinThread(tx, {
      accountId: account.id,
      nodeId: node.id,
      kind: 'knotting',
      now,
      from: account.publicPoint,
      to: location,
    });
    await tx`INSERT INTO operations (operation_id, account_id, command, request_hash, result)
      VALUES (${input.operationId}, ${account.id}, 'nodes.create', ${hash}, ${tx.json(node as never)})`;
    return node;
  });
}
