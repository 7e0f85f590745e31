// Node commands: the rules of core/README.md for creating, editing, removing and hiding Knoten.
import { type NodeDTO, type NodeRow, nodeRowColumns, toNodeDTO } from '@weltgewebe/db/dto';
import { MAX_LIVE_NODES_PER_ACCOUNT, THREAD_LIFETIME_HOURS } from '@weltgewebe/events/domain';
import { type AuthIdentity, roleAtLeast } from '@weltgewebe/kit';
import { type AccountRef, accountParams, ensureAccount } from '../accounts/provision.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { conflict, forbidden, invalid, notFound, refusalsAsDomainErrors } from '../errors.ts';
import { cellsOf } from '../geo/h3-cells.ts';
import { type Tx, writeEvent } from '../outbox/write-event.ts';
import type { CoreServices } from '../services.ts';
import type {
  CreateNodeInput,
  HideNodeInput,
  ModeratedNodeDTO,
  RemovedNodeDTO,
  RemoveNodeInput,
  UpdateNodeInput,
} from './model.ts';
import {
  type Operation,
  operationIdReused,
  priorResult,
  recordResult,
  requestHash,
} from './operations.ts';

/** The public fields of a node that node.created and node.updated carry. */
const nodeEventData = (node: NodeDTO) => ({
  id: node.id,
  kind: node.kind,
  title: node.title,
  topics: node.topics,
  location: { lat: node.lat, lon: node.lon },
  version: node.version,
});

const NODE_COLUMNS = nodeRowColumns();

/** nodes.create in one statement (SQL function command_create_node, migration 0017). */
export async function createNode(
  services: CoreServices,
  identity: AuthIdentity,
  input: CreateNodeInput,
  requestId: string,
): Promise<NodeDTO> {
  const account = accountParams(identity);
  const cells = cellsOf(input.lat, input.lon);
  const [row] = await refusalsAsDomainErrors(
    services.sql<{ node: NodeDTO }[]>`
      SELECT command_create_node(
        ${account.subject}, ${account.displayName}, ${account.email}, ${account.registeredAt},
        ${input.operationId}, ${requestHash(input)}, ${requestId}, ${services.now()},
        ${MAX_LIVE_NODES_PER_ACCOUNT}, ${THREAD_LIFETIME_HOURS},
        ${input.kind}, ${input.title}, ${input.summary}, ${input.body}, ${input.address},
        ${input.topics as string[]}, ${input.lon}, ${input.lat},
        ${String(cells.r3)}, ${String(cells.r5)}, ${String(cells.r7)}, ${String(cells.r9)},
        ${input.startsAt ?? null}, ${input.endsAt ?? null}) AS node`,
    {
      OPERATION_ID_REUSED: operationIdReused,
      NODE_QUOTA_EXCEEDED: () =>
        forbidden(
          'NODE_QUOTA_EXCEEDED',
          `Du hast schon ${MAX_LIVE_NODES_PER_ACCOUNT} lebende Knoten. Entferne einen, bevor du einen neuen knüpfst.`,
        ),
    },
  );
  return row!.node;
}

interface LockedRow extends NodeRow {
  removed_at: Date | null;
  hidden_at: Date | null;
}

/** Reads the node and holds its row lock until the transaction ends: edits run one at a time. */
async function lockNode(tx: Tx, id: string): Promise<LockedRow> {
  const [row] = await tx.unsafe<LockedRow[]>(
    `SELECT ${NODE_COLUMNS}, removed_at, hidden_at FROM nodes WHERE id = $1 FOR UPDATE`,
    [id],
  );
  if (!row) throw notFound('NODE_NOT_FOUND', 'Diesen Knoten gibt es nicht.');
  if (row.removed_at) throw notFound('NODE_REMOVED', 'Dieser Knoten wurde entfernt.');
  return row;
}

/** core/README.md: its creator, weaver+ for nodes of others, admin always. */
function assertMayEdit(
  row: LockedRow,
  account: AccountRef,
  identity: AuthIdentity,
  verb: 'ändern' | 'entfernen',
) {
  const own = row.created_by === account.id;
  // A hidden node is not public: to anyone but its creator and admins it does not exist.
  if (row.hidden_at && !own && !roleAtLeast(identity.role, 'admin')) {
    throw notFound('NODE_NOT_FOUND', 'Diesen Knoten gibt es nicht.');
  }
  if (!own && !roleAtLeast(identity.role, 'weaver')) {
    throw forbidden(
      'NODE_NOT_YOURS',
      `Diesen Knoten hat jemand anderes geknüpft. Ihn zu ${verb} dürfen nur sein Urheber, Weber und Admins – dir fehlt die Rolle Weber.`,
    );
  }
}

function assertVersion(row: LockedRow, expectedVersion: number) {
  if (row.version !== expectedVersion) {
    throw conflict(
      'NODE_VERSION_CONFLICT',
      `Dieser Knoten wurde inzwischen geändert (du hattest Version ${expectedVersion}, jetzt ist es Version ${row.version}). Sieh dir den aktuellen Stand an und versuche es noch einmal.`,
      { current: toNodeDTO(row) },
    );
  }
}

/**
 * The shared start and end of an edit: one transaction, the caller's Garnrolle, the earlier
 * answer to this operationId if there is one, the node locked with the caller's right and
 * the expected version checked — and whatever `edit` returns recorded as the answer.
 */
async function editLockedNode<T>(
  services: CoreServices,
  identity: AuthIdentity,
  input: { id: string; expectedVersion: number; operationId: string },
  command: 'nodes.update' | 'nodes.remove',
  verb: 'ändern' | 'entfernen',
  edit: (tx: Tx, locked: { account: AccountRef; row: LockedRow }) => Promise<T>,
): Promise<T> {
  const hash = requestHash(input);
  return (await services.sql.begin(async (tx) => {
    const account = await ensureAccount(tx, identity);
    const op: Operation = { operationId: input.operationId, accountId: account.id, command, hash };
    const prior = await priorResult<T>(tx, op);
    if (prior) return prior;
    const row = await lockNode(tx, input.id);
    assertMayEdit(row, account, identity, verb);
    assertVersion(row, input.expectedVersion);
    const result = await edit(tx, { account, row });
    await recordResult(tx, op, result);
    return result;
  })) as T;
}

interface Editable {
  kind: NodeDTO['kind'];
  title: string;
  summary: string;
  body: string;
  address: string;
  topics: string[];
  location: { lat: number; lon: number };
  startsAt: string | null;
  endsAt: string | null;
}

const editableOf = (n: NodeDTO): Editable => ({
  kind: n.kind,
  title: n.title,
  summary: n.summary,
  body: n.body,
  address: n.address,
  topics: n.topics,
  location: { lat: n.lat, lon: n.lon },
  startsAt: n.startsAt,
  endsAt: n.endsAt,
});

const isoOrNull = (v: string | null) => (v === null ? null : new Date(v).toISOString());

/** The node as it would be after the edit (input fields win, times normalised to UTC). */
function merged(current: Editable, input: UpdateNodeInput): Editable {
  return {
    kind: input.kind ?? current.kind,
    title: input.title ?? current.title,
    summary: input.summary ?? current.summary,
    body: input.body ?? current.body,
    address: input.address ?? current.address,
    topics: input.topics ?? current.topics,
    location: { lat: input.lat ?? current.location.lat, lon: input.lon ?? current.location.lon },
    startsAt: input.startsAt === undefined ? current.startsAt : isoOrNull(input.startsAt),
    endsAt: input.endsAt === undefined ? current.endsAt : isoOrNull(input.endsAt),
  };
}

type Changes = Partial<Record<keyof Editable, { old: unknown; new: unknown }>>;

function changesBetween(before: Editable, after: Editable): Changes {
  const out: Changes = {};
  for (const key of Object.keys(before) as (keyof Editable)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      out[key] = { old: before[key], new: after[key] };
    }
  }
  return out;
}

/** Rules that span fields and so must hold for the node after the edit, not just the input. */
function assertConsistent(next: Editable) {
  if (next.kind === 'event' && !next.startsAt) {
    throw invalid({ startsAt: ['Eine Veranstaltung braucht einen Beginn.'] });
  }
  if (next.startsAt && next.endsAt && Date.parse(next.endsAt) < Date.parse(next.startsAt)) {
    throw invalid({ endsAt: ['Das Ende liegt vor dem Beginn.'] });
  }
}

export async function updateNode(
  services: CoreServices,
  identity: AuthIdentity,
  input: UpdateNodeInput,
  requestId: string,
): Promise<NodeDTO> {
  return await editLockedNode(
    services,
    identity,
    input,
    'nodes.update',
    'ändern',
    async (tx, { account, row }) => {
      const current = toNodeDTO(row);
      const before = editableOf(current);
      const after = merged(before, input);
      assertConsistent(after);
      const changes = changesBetween(before, after);
      const changed = Object.keys(changes);
      if (changed.length === 0) {
        // Nothing differs: no new version, no audit row, no event — but the same answer on repeat.
        return current;
      }

      const now = services.now();
      const cells = cellsOf(after.location.lat, after.location.lon);
      const [updated] = await tx.unsafe<NodeRow[]>(
        `UPDATE nodes SET kind = $2, title = $3, summary = $4, body = $5, address = $6, topics = $7,
         location = ST_SetSRID(ST_MakePoint($8, $9), 4326), h3_r3 = $10, h3_r5 = $11, h3_r7 = $12, h3_r9 = $13,
         starts_at = $14, ends_at = $15, version = version + 1, updated_at = $16
       WHERE id = $1
       RETURNING ${NODE_COLUMNS}`,
        [
          input.id,
          after.kind,
          after.title,
          after.summary,
          after.body,
          after.address,
          after.topics as never,
          after.location.lon,
          after.location.lat,
          String(cells.r3),
          String(cells.r5),
          String(cells.r7),
          String(cells.r9),
          after.startsAt,
          after.endsAt,
          now,
        ],
      );
      const node = toNodeDTO(updated!);
      const audit = { ...changes, version: { old: current.version, new: node.version } };
      await writeAudit(tx, 'node.update', node.id, audit, {
        actorId: account.id,
        requestId,
        at: now,
      });
      await writeEvent(
        tx,
        'node.updated',
        { actorId: account.id, aggregateId: node.id, version: node.version, occurredAt: now },
        {
          ...nodeEventData(node),
          previousLocation: before.location,
          changed,
        },
      );
      return node;
    },
  );
}

export async function removeNode(
  services: CoreServices,
  identity: AuthIdentity,
  input: RemoveNodeInput,
  requestId: string,
): Promise<RemovedNodeDTO> {
  return await editLockedNode(
    services,
    identity,
    input,
    'nodes.remove',
    'entfernen',
    async (tx, { account, row }) => {
      const now = services.now();
      // A tombstone: the row stays for audit; every read filters on removed_at.
      const [removed] = await tx<{ version: number }[]>`
      UPDATE nodes SET removed_at = ${now}, version = version + 1, updated_at = ${now}
      WHERE id = ${input.id} RETURNING version`;
      const result: RemovedNodeDTO = {
        id: row.id,
        version: removed!.version,
        removedAt: now.toISOString(),
        lat: row.lat,
        lon: row.lon,
      };
      const audit = {
        removed: { old: false, new: true },
        title: { old: row.title, new: row.title },
        version: { old: row.version, new: result.version },
      };
      await writeAudit(tx, 'node.remove', row.id, audit, {
        actorId: account.id,
        requestId,
        at: now,
      });
      await writeEvent(
        tx,
        'node.removed',
        { actorId: account.id, aggregateId: row.id, version: result.version, occurredAt: now },
        { id: row.id, location: { lat: row.lat, lon: row.lon }, version: result.version },
      );
      return result;
    },
  );
}

/** Moderation (admin): hides or shows a node. Hidden nodes leave tiles, lists and search. */
export async function hideNode(
  services: CoreServices,
  identity: AuthIdentity,
  input: HideNodeInput,
  requestId: string,
): Promise<ModeratedNodeDTO> {
  return await services.sql.begin(async (tx) => {
    const account = await ensureAccount(tx, identity);
    return await hideNodeIn(tx, account, input, { requestId, now: services.now() });
  });
}

/**
 * The hide path inside a caller's transaction (the admin's own command, or the moderation of a
 * report, whose resolution must commit with the hiding or not at all). The caller checked the role.
 */
export async function hideNodeIn(
  tx: Tx,
  account: AccountRef,
  input: HideNodeInput,
  { requestId, now }: { requestId: string; now: Date },
): Promise<ModeratedNodeDTO> {
  const row = await lockNode(tx, input.id);
  if ((row.hidden_at !== null) === input.hidden) {
    return { ...toNodeDTO(row), hiddenAt: row.hidden_at?.toISOString() ?? null };
  }
  const hiddenAt = input.hidden ? now : null;
  const [updated] = await tx.unsafe<LockedRow[]>(
    `UPDATE nodes SET hidden_at = $2, version = version + 1, updated_at = $3 WHERE id = $1
     RETURNING ${NODE_COLUMNS}, removed_at, hidden_at`,
    [input.id, hiddenAt, now],
  );
  const node = toNodeDTO(updated!);
  const audit = {
    hidden: { old: !input.hidden, new: input.hidden },
    version: { old: row.version, new: node.version },
  };
  await writeAudit(tx, input.hidden ? 'node.hide' : 'node.unhide', node.id, audit, {
    actorId: account.id,
    requestId,
    at: now,
  });
  // No event of its own in core/README.md: an update whose `changed` says `hidden` lets every
  // consumer (tile caches, rollups) re-read the node at its place.
  const data = nodeEventData(node);
  await writeEvent(
    tx,
    'node.updated',
    { actorId: account.id, aggregateId: node.id, version: node.version, occurredAt: now },
    {
      ...data,
      previousLocation: data.location,
      changed: ['hidden'],
    },
  );
  return { ...node, hiddenAt: updated!.hidden_at?.toISOString() ?? null };
}
