// Weavery commands (admin) and the stats query: valid, non-overlapping areas with their H3 cover.
import { NODE_KINDS, type NodeKind } from '@weltgewebe/events/domain';
import type { AuthIdentity } from '@weltgewebe/kit';
import { ensureAccount } from '../accounts/provision.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { conflict, DomainError, invalid, notFound } from '../errors.ts';
import { type Tx, writeEvent } from '../outbox/write-event.ts';
import type { CoreServices } from '../services.ts';
import { coverOf } from './h3-cover.ts';
import {
  type AreaInput,
  type ChangeWeaveryInput,
  type CreateWeaveryInput,
  K_ANONYMITY,
  type KCount,
  MAX_WEAVERY_AREA_KM2,
  toWeaveryDTO,
  type WeaveryDTO,
  type WeaveryRefInput,
  type WeaveryRow,
  type WeaveryStatsDTO,
} from './model.ts';

const WEAVERY_COLUMNS = `id, name, slug, ST_AsGeoJSON(area)::json AS area,
  ST_XMin(area) AS west, ST_YMin(area) AS south, ST_XMax(area) AS east, ST_YMax(area) AS north,
  version, created_at, updated_at`;

const geometryOf = (tx: Tx, geojson: string) =>
  tx`ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(${geojson}), 4326))`;

/** Field errors for an area the database cannot store as a valid MultiPolygon of fitting size. */
async function assertValidArea(tx: Tx, geojson: string) {
  const [check] = await tx<{ valid: boolean; reason: string }[]>`
    SELECT ST_IsValid(g) AS valid, ST_IsValidReason(g) AS reason
    FROM (SELECT ${geometryOf(tx, geojson)} AS g) s`;
  if (!check!.valid) throw invalid({ area: [`Ungültige Fläche: ${check!.reason}`] });
  const [size] = await tx<{ km2: number }[]>`
    SELECT ST_Area(${geometryOf(tx, geojson)}::geography) / 1e6 AS km2`;
  if (size!.km2 > MAX_WEAVERY_AREA_KM2) {
    throw invalid({
      area: [
        `Höchstens ${MAX_WEAVERY_AREA_KM2.toLocaleString('de-DE')} km² (es sind ${Math.round(size!.km2).toLocaleString('de-DE')} km²).`,
      ],
    });
  }
}

/** Weaveries do not overlap: interiors may not meet; shared borders are fine. */
async function assertNoOverlap(tx: Tx, geojson: string, self: string | null) {
  const others = await tx<{ id: string; slug: string; name: string }[]>`
    SELECT w.id, w.slug, w.name
    FROM weaveries w, (SELECT ${geometryOf(tx, geojson)} AS g) s
    WHERE (${self}::uuid IS NULL OR w.id <> ${self}::uuid)
      AND w.area && s.g AND ST_Relate(w.area, s.g, 'T********')
    ORDER BY w.name`;
  if (others.length > 0) {
    const names = others.map((o) => o.name).join(', ');
    const message = `Die Fläche überschneidet sich mit ${names}. Ortswebereien dürfen sich nur an den Grenzen berühren.`;
    throw new DomainError(
      'WEAVERY_OVERLAP',
      'CONFLICT',
      message,
      { overlapping: others },
      {
        area: [message],
      },
    );
  }
}

/** Every weavery write runs alone, so two concurrent writes cannot both pass the overlap check. */
const lockWeaveryAreas = (tx: Tx) => tx`SELECT pg_advisory_xact_lock(hashtext('weaveries.area'))`;

async function storeCover(tx: Tx, weaveryId: string, area: AreaInput) {
  const cells = coverOf(area).map(String);
  await tx`DELETE FROM weavery_cells WHERE weavery_id = ${weaveryId}`;
  await tx`INSERT INTO weavery_cells (weavery_id, cell) SELECT ${weaveryId}, unnest(${cells}::bigint[])`;
}

export async function createWeavery(
  services: CoreServices,
  identity: AuthIdentity,
  input: CreateWeaveryInput,
  requestId: string,
): Promise<WeaveryDTO> {
  const geojson = JSON.stringify(input.area);
  return await services.sql.begin(async (tx) => {
    const account = await ensureAccount(tx, identity);
    await lockWeaveryAreas(tx);
    await assertValidArea(tx, geojson);
    const [taken] = await tx`SELECT 1 FROM weaveries WHERE slug = ${input.slug}`;
    if (taken) {
      const message = `Den Kurznamen „${input.slug}“ trägt schon eine Ortsweberei.`;
      throw new DomainError('WEAVERY_SLUG_TAKEN', 'CONFLICT', message, undefined, {
        slug: [message],
      });
    }
    await assertNoOverlap(tx, geojson, null);
    const now = services.now();
    const [row] = await tx<WeaveryRow[]>`
      INSERT INTO weaveries (name, slug, area, created_by, created_at, updated_at)
      VALUES (${input.name}, ${input.slug}, ${geometryOf(tx, geojson)}, ${account.id}, ${now}, ${now})
      RETURNING ${tx.unsafe(WEAVERY_COLUMNS)}`;
    const weavery = toWeaveryDTO(row!);
    await storeCover(tx, weavery.id, input.area);
    await writeAudit(
      tx,
      'weavery.create',
      weavery.id,
      { name: weavery.name, slug: weavery.slug, area: weavery.area },
      { actorId: account.id, requestId, at: now },
    );
    await writeEvent(
      tx,
      'weavery.created',
      { actorId: account.id, aggregateId: weavery.id, version: weavery.version, occurredAt: now },
      { id: weavery.id, slug: weavery.slug, name: weavery.name, bbox: weavery.bbox },
    );
    return weavery;
  });
}

export async function changeWeavery(
  services: CoreServices,
  identity: AuthIdentity,
  input: ChangeWeaveryInput,
  requestId: string,
): Promise<WeaveryDTO> {
  const geojson = input.area ? JSON.stringify(input.area) : null;
  return await services.sql.begin(async (tx) => {
    const account = await ensureAccount(tx, identity);
    await lockWeaveryAreas(tx);
    const [row] = await tx<WeaveryRow[]>`
      SELECT ${tx.unsafe(WEAVERY_COLUMNS)} FROM weaveries WHERE id = ${input.id} FOR UPDATE`;
    if (!row) throw notFound('WEAVERY_NOT_FOUND', 'Diese Ortsweberei gibt es nicht.');
    const current = toWeaveryDTO(row);
    if (current.version !== input.expectedVersion) {
      throw conflict(
        'WEAVERY_VERSION_CONFLICT',
        `Diese Ortsweberei wurde inzwischen geändert (du hattest Version ${input.expectedVersion}, jetzt ist es Version ${current.version}).`,
        { current },
      );
    }
    const name = input.name ?? current.name;
    if (geojson === null && name === current.name) return current;
    if (geojson !== null) {
      await assertValidArea(tx, geojson);
      await assertNoOverlap(tx, geojson, current.id);
    }
    const now = services.now();
    const area = geojson === null ? tx`area` : geometryOf(tx, geojson);
    const [updated] = await tx<WeaveryRow[]>`
      UPDATE weaveries SET name = ${name}, area = ${area}, version = version + 1, updated_at = ${now}
      WHERE id = ${current.id}
      RETURNING ${tx.unsafe(WEAVERY_COLUMNS)}`;
    const weavery = toWeaveryDTO(updated!);
    if (input.area) await storeCover(tx, weavery.id, input.area);
    const changes: Record<string, { old: unknown; new: unknown }> = {
      version: { old: current.version, new: weavery.version },
    };
    if (name !== current.name) changes.name = { old: current.name, new: name };
    if (input.area) changes.area = { old: current.area, new: weavery.area };
    await writeAudit(tx, 'weavery.change', weavery.id, changes, {
      actorId: account.id,
      requestId,
      at: now,
    });
    await writeEvent(
      tx,
      'weavery.changed',
      { actorId: account.id, aggregateId: weavery.id, version: weavery.version, occurredAt: now },
      {
        id: weavery.id,
        slug: weavery.slug,
        name: weavery.name,
        bbox: weavery.bbox,
        previousBbox: current.bbox,
      },
    );
    return weavery;
  });
}

const kCount = (n: number): KCount => (n < K_ANONYMITY ? '<5' : n);

/** "Are there any Garnrollen in Hamburg?" — live nodes, accounts on the map and threads inside. */
export async function weaveryStats(
  services: CoreServices,
  ref: WeaveryRefInput,
): Promise<WeaveryStatsDTO> {
  const now = services.now();
  // One snapshot for every number, so they agree with each other.
  return await services.sql.begin('isolation level repeatable read read only', async (tx) => {
    const [w] = ref.id
      ? await tx<{ id: string; slug: string; name: string }[]>`
          SELECT id, slug, name FROM weaveries WHERE id = ${ref.id}`
      : await tx<{ id: string; slug: string; name: string }[]>`
          SELECT id, slug, name FROM weaveries WHERE slug = ${ref.slug!}`;
    if (!w) throw notFound('WEAVERY_NOT_FOUND', 'Diese Ortsweberei gibt es nicht.');
    const area = tx`(SELECT area FROM weaveries WHERE id = ${w.id})`;

    const kinds = await tx<{ kind: keyof WeaveryStatsDTO['nodes']['byKind']; n: number }[]>`
      SELECT n.kind, count(*)::int AS n FROM live_nodes n WHERE ST_Covers(${area}, n.location)
       GROUP BY n.kind`;
    const byKind = Object.fromEntries(NODE_KINDS.map((k) => [k, 0])) as Record<NodeKind, number>;
    for (const k of kinds) byKind[k.kind] = k.n;

    // Public points only: a private location never enters an aggregate.
    const [accounts] = await tx<{ n: number }[]>`
      SELECT count(*)::int AS n FROM accounts a
      WHERE a.map_state <> 'not_on_map' AND a.public_point IS NOT NULL
        AND ST_Covers(${area}, a.public_point)`;
    const [threads] = await tx<{ n: number }[]>`
      SELECT count(*)::int AS n FROM threads t JOIN live_nodes n ON n.id = t.node_id
      WHERE t.expired_at IS NULL AND t.expires_at > ${now} AND ST_Covers(${area}, n.location)`;
    const active = await tx<
      {
        id: string;
        kind: keyof WeaveryStatsDTO['nodes']['byKind'];
        title: string;
        lat: number;
        lon: number;
        live_threads: number;
      }[]
    >`
      SELECT n.id, n.kind, n.title, ST_Y(n.location) AS lat, ST_X(n.location) AS lon,
             t.live_threads
      FROM (SELECT node_id, count(*)::int AS live_threads FROM threads
             WHERE expired_at IS NULL AND expires_at > ${now} GROUP BY node_id) t
      JOIN live_nodes n ON n.id = t.node_id
      WHERE ST_Covers(${area}, n.location)
      ORDER BY t.live_threads DESC, n.seq
      LIMIT 10`;
    return {
      weavery: { id: w.id, slug: w.slug, name: w.name },
      nodes: { total: kinds.reduce((s, k) => s + k.n, 0), byKind },
      accountsOnMap: kCount(accounts!.n),
      liveThreads: threads!.n,
      mostActiveNodes: active.map((a) => ({
        id: a.id,
        kind: a.kind,
        title: a.title,
        lat: a.lat,
        lon: a.lon,
        liveThreads: a.live_threads,
      })),
      computedAt: now.toISOString(),
    };
  });
}
