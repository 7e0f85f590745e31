// Maps domain events to the cached tiles they make stale, and drops exactly those, on every
// edge instance (each runs its own consumer). The one way into it is TileInvalidator.handle:
// the NATS consumer hands it every event; a command forwarded by this instance hands it the
// same change a moment earlier, from the core's answer, so that the person who made the
// change and reloads at once gets fresh tiles here (the web refetches right after saving,
// before the event can have arrived). The event then drops the same tiles again, which also
// covers a render that read a lagging replica in between.
//
// Rollup zooms lag: the hex-rollup worker updates h3_rollups only after it has seen the same
// event, so a z0–8 tile rendered between the event and the worker's update would be cached
// stale. Those changes are therefore applied again 1, 3, 6, 10 and 15 s later (each pass
// re-renders only what was requested meanwhile). This needs nothing from the worker and works
// the same with a read replica that lags; the price is a few extra renders of busy low-zoom
// tiles after each change.
import type { Sql } from '@weltgewebe/db/client';
import type {
  EventData,
  EventEnvelope,
  EventType,
  PublicPoint,
} from '@weltgewebe/events/contracts';
import type { Logger } from '@weltgewebe/kit';
import { hexSource } from './sources/hex.ts';
import { cellReachKm, ROLLUP_MAX_ZOOM, rollupLevel } from './sources/rollup-cells.ts';
import { FLOW_MAX_ZOOM, flowResolution, threadsSource } from './sources/threads.ts';
import type { TileArea, TileCache } from './tile-cache.ts';
import { type BBox, bboxAround, bboxOf, growBBox, MAX_ZOOM } from './tile-math.ts';

/**
 * Subjects an edge instance listens to for its cache: all of them in one filter, because
 * several filter subjects on one consumer need nats-server 2.10 (Debian ships 2.9); events
 * that change no tile are skipped in changesFor.
 */
export const INVALIDATING_SUBJECTS = ['gewebe.>'];

export const SETTLE_DELAYS_MS = [1_000, 3_000, 6_000, 10_000, 15_000];

type Fact<T extends EventType, K extends keyof EventData<T>> = {
  type: T;
  data: Pick<EventData<T>, K>;
};
type ThreadEvent = 'thread.spun' | 'thread.renewed' | 'thread.expired';

/** The events that change tiles, with what of them decides which. */
type TileChangingEvent =
  | Fact<'node.created', 'location'>
  | Fact<'node.updated', 'id' | 'location' | 'previousLocation'>
  | Fact<'node.removed', 'id' | 'location'>
  | Fact<'account.located', 'accountId' | 'publicPoint' | 'previousPublicPoint'>
  | Fact<'account.hidden', 'accountId' | 'previousPublicPoint'>
  | Fact<ThreadEvent, 'from' | 'to'>
  | Fact<'weavery.created', 'bbox'>
  | Fact<'weavery.changed', 'bbox' | 'previousBbox'>;

/**
 * An event as the tile cache sees it. An envelope from NATS is one (asTileEvent); so is what
 * a forwarded command's answer tells this instance.
 */
export type TileEvent =
  | TileChangingEvent
  | { type: Exclude<EventType, TileChangingEvent['type']>; data?: unknown };

/** An envelope as a tile event: parseEnvelope checked its data against its type's schema. */
export const asTileEvent = (event: EventEnvelope) => event as TileEvent;

export interface TileChange {
  source: string;
  area: TileArea;
  /** Drawn from rollups: applied again while the worker catches up. */
  settles: boolean;
}

/** Ends of live threads that an event does not carry, from the tables (public points only). */
export interface ThreadEnds {
  /** Public points of the accounts with a live thread to this node. */
  accountsOfNode(nodeId: string): Promise<PublicPoint[]>;
  /** Locations of the nodes this account has a live thread to. */
  nodesOfAccount(accountId: string): Promise<PublicPoint[]>;
}

export function threadEndsFrom(sql: Sql): ThreadEnds {
  return {
    accountsOfNode: (nodeId) => sql<PublicPoint[]>`
      SELECT DISTINCT ST_Y(a.public_point) AS lat, ST_X(a.public_point) AS lon
        FROM threads t JOIN accounts a ON a.id = t.account_id
       WHERE t.node_id = ${nodeId} AND t.expired_at IS NULL
         AND a.map_state <> 'not_on_map' AND a.public_point IS NOT NULL`,
    nodesOfAccount: (accountId) => sql<PublicPoint[]>`
      SELECT DISTINCT ST_Y(n.location) AS lat, ST_X(n.location) AS lon
        FROM threads t JOIN nodes n ON n.id = t.node_id
       WHERE t.account_id = ${accountId} AND t.expired_at IS NULL`,
  };
}

const pointBox = (p: PublicPoint): BBox => [p.lon, p.lat, p.lon, p.lat];

/** Rollup zooms grouped by level, each with the box its cells reach around the point. */
function rollupAreas(p: PublicPoint): TileArea[] {
  const out: TileArea[] = [];
  for (let z = 0; z <= ROLLUP_MAX_ZOOM; z++) {
    const level = rollupLevel(z)!;
    const last = out[out.length - 1];
    const bbox = bboxAround(p.lat, p.lon, level.reachKm);
    if (last?.bbox.every((v, i) => v === bbox[i])) last.maxZoom = z;
    else out.push({ bbox, minZoom: z, maxZoom: z });
  }
  return out;
}

/** A point of a source that shows points from z9 and rollup clusters below. */
function clusteredPoint(source: string, p: PublicPoint): TileChange[] {
  return [
    {
      source,
      area: { bbox: pointBox(p), minZoom: ROLLUP_MAX_ZOOM + 1, maxZoom: MAX_ZOOM },
      settles: false,
    },
    ...rollupAreas(p).map((area) => ({ source, area, settles: true })),
  ];
}

/** Hex counts at this point (nodes, accounts or threads counted in its cells). */
function hexAt(p: PublicPoint): TileChange[] {
  return rollupAreas(p).map((area) => ({ source: hexSource.name, area, settles: true }));
}

/**
 * Where a thread's change shows below z9: the flow between the H3 cells of its ends, whose
 * line runs between the mean points of all threads of those cells — anywhere in the cells.
 * Kept in the same transaction as the thread (triggers), so nothing settles later.
 */
function flowAreas(bbox: BBox): TileChange[] {
  const out: TileChange[] = [];
  for (let z = threadsSource.minzoom; z <= FLOW_MAX_ZOOM; z++) {
    const grown = growBBox(bbox, cellReachKm(flowResolution(z)!));
    const last = out[out.length - 1];
    if (last?.area.bbox.every((v, i) => v === grown[i])) last.area.maxZoom = z;
    else {
      out.push({
        source: threadsSource.name,
        area: { bbox: grown, minZoom: z, maxZoom: z },
        settles: false,
      });
    }
  }
  return out;
}

/** Lines between `from` and each of `to`; many lines become one box around them all. */
function threadLines(from: PublicPoint[], to: PublicPoint[]): TileChange[] {
  const lines = from.flatMap((a) => to.map((b) => bboxOf([a, b])));
  const boxes =
    lines.length > 50
      ? [
          bboxOf(
            lines.flatMap(([w, s, e, n]) => [
              { lat: s, lon: w },
              { lat: n, lon: e },
            ]),
          ),
        ]
      : lines;
  return boxes.flatMap((bbox) => [
    {
      source: threadsSource.name,
      area: { bbox, minZoom: FLOW_MAX_ZOOM + 1, maxZoom: MAX_ZOOM },
      settles: false,
    },
    ...flowAreas(bbox),
  ]);
}

const allZooms = (source: string, bbox: BBox): TileChange => ({
  source,
  area: { bbox, minZoom: 0, maxZoom: MAX_ZOOM },
  settles: false,
});

/** Everything an event makes stale. */
export async function changesFor(event: TileEvent, ends: ThreadEnds): Promise<TileChange[]> {
  switch (event.type) {
    case 'node.created':
      // Its knotting thread comes with its own thread.spun.
      return [...clusteredPoint('nodes', event.data.location), ...hexAt(event.data.location)];
    case 'node.removed': {
      const d = event.data;
      const accounts = await ends.accountsOfNode(d.id);
      return [
        ...clusteredPoint('nodes', d.location),
        ...hexAt(d.location),
        ...threadLines(accounts, [d.location]),
      ];
    }
    case 'node.updated': {
      const d = event.data;
      const accounts = await ends.accountsOfNode(d.id);
      return [
        ...clusteredPoint('nodes', d.location),
        ...clusteredPoint('nodes', d.previousLocation),
        ...hexAt(d.location),
        ...hexAt(d.previousLocation),
        ...threadLines(accounts, [d.location, d.previousLocation]),
      ];
    }
    case 'account.located':
    case 'account.hidden': {
      const d = event.data;
      const current = 'publicPoint' in d ? d.publicPoint : null;
      const points = [current, d.previousPublicPoint].filter((p): p is PublicPoint => !!p);
      const nodes = await ends.nodesOfAccount(d.accountId);
      return [
        ...points.flatMap((p) => [...clusteredPoint('accounts', p), ...hexAt(p)]),
        ...threadLines(points, nodes),
      ];
    }
    case 'thread.spun':
    case 'thread.renewed':
    case 'thread.expired': {
      const d = event.data;
      // A renewal changes no count; spinning and expiry change the thread counts in hex cells.
      const counts = event.type === 'thread.renewed' ? [] : hexAt(d.to);
      return [...(d.from ? threadLines([d.from], [d.to]) : []), ...counts];
    }
    case 'weavery.created':
      return [allZooms('weaveries', event.data.bbox)];
    case 'weavery.changed':
      return [
        allZooms('weaveries', event.data.bbox),
        allZooms('weaveries', event.data.previousBbox),
      ];
    default:
      return [];
  }
}

export function applyChanges(cache: TileCache, changes: TileChange[]): number {
  let dropped = 0;
  for (const c of changes) dropped += cache.invalidateArea(c.source, c.area);
  return dropped;
}

/** Applies changes now and, for rollup zooms, again while the rollup worker catches up. */
export class TileInvalidator {
  private due = new Map<number, { timer: ReturnType<typeof setTimeout>; changes: TileChange[] }>();

  constructor(
    private readonly cache: TileCache,
    private readonly ends: ThreadEnds,
    private readonly log: Logger,
    private readonly settleDelaysMs: number[] = SETTLE_DELAYS_MS,
  ) {}

  /**
   * Drops what the event touches; returns how many cached tiles were dropped now. Never
   * throws: when the lookup of thread ends fails, everything is dropped instead, because a
   * stale tile would stay until it is evicted.
   */
  async handle(event: TileEvent): Promise<number> {
    let changes: TileChange[];
    try {
      changes = await changesFor(event, this.ends);
    } catch (error) {
      const dropped = this.cache.size;
      this.cache.clear();
      this.log.warn('tile invalidation failed, cache cleared', {
        event: event.type,
        error: String(error),
      });
      return dropped;
    }
    const dropped = applyChanges(this.cache, changes);
    const settling = changes.filter((c) => c.settles);
    if (settling.length) for (const ms of this.settleDelaysMs) this.later(ms, settling);
    return dropped;
  }

  /** Changes due in the same quarter second share one timer. */
  private later(ms: number, changes: TileChange[]) {
    const at = Math.ceil((Date.now() + ms) / 250) * 250;
    const pending = this.due.get(at);
    if (pending) {
      pending.changes.push(...changes);
      return;
    }
    const timer = setTimeout(
      () => {
        const entry = this.due.get(at);
        this.due.delete(at);
        if (entry) applyChanges(this.cache, entry.changes);
      },
      Math.max(0, at - Date.now()),
    );
    (timer as { unref?: () => void }).unref?.();
    this.due.set(at, { timer, changes: [...changes] });
  }

  stop() {
    for (const { timer } of this.due.values()) clearTimeout(timer);
    this.due.clear();
  }
}
