// This instance's one NATS consumer for live push: every node, thread, account and message
// event becomes a public LiveChange for the subscribers whose box it touches. Messages carry
// no location; their node's point is read from PostgreSQL (and remembered briefly).
import type { Sql } from '@weltgewebe/db/client';
import type { EventEnvelope } from '@weltgewebe/events/contracts';
import {
  consumeFromNow,
  jetstream,
  type NatsConnection,
  type OnMalformed,
} from '@weltgewebe/events/jetstream';
import type { Logger } from '@weltgewebe/kit';
import type { LiveHub } from './live-hub.ts';
import type { LiveChange, Point } from './model.ts';

/** One subject: Debian's nats-server 2.9 takes a single filter per consumer. */
const LIVE_SUBJECT = 'gewebe.>';
const NODE_POINTS_REMEMBERED = 10_000;

/** Where live nodes are, for message events; forgets on node changes. */
export class NodePoints {
  private readonly points = new Map<string, Point>();
  constructor(private readonly sql: Sql) {}

  forget(nodeId: string) {
    this.points.delete(nodeId);
  }

  async of(nodeId: string): Promise<Point | null> {
    const known = this.points.get(nodeId);
    if (known) return known;
    const [row] = await this.sql<Point[]>`
      SELECT ST_Y(location) AS lat, ST_X(location) AS lon FROM live_nodes WHERE id = ${nodeId}`;
    if (!row) return null;
    if (this.points.size >= NODE_POINTS_REMEMBERED)
      this.points.delete(this.points.keys().next().value!);
    this.points.set(nodeId, { lat: row.lat, lon: row.lon });
    return row;
  }
}

/** The public change and the points it touches; null for events open maps do not show. */
export async function liveChangeOf(
  event: EventEnvelope,
  nodes: NodePoints,
): Promise<{ change: LiveChange; points: Point[] } | null> {
  const base = { eventId: event.id, occurredAt: event.occurredAt };
  switch (event.type) {
    case 'node.created':
    case 'node.updated': {
      const d = event.data as EventEnvelope<'node.updated'>['data'];
      nodes.forget(d.id);
      const previous = event.type === 'node.updated' ? d.previousLocation : null;
      const node = {
        id: d.id,
        kind: d.kind,
        title: d.title,
        topics: d.topics,
        lat: d.location.lat,
        lon: d.location.lon,
        version: d.version,
      };
      return {
        change: { ...base, type: event.type, node, previous },
        points: previous ? [d.location, previous] : [d.location],
      };
    }
    case 'node.removed': {
      const d = event.data as EventEnvelope<'node.removed'>['data'];
      nodes.forget(d.id);
      const node = { id: d.id, lat: d.location.lat, lon: d.location.lon, version: d.version };
      return { change: { ...base, type: 'node.removed', node }, points: [d.location] };
    }
    case 'thread.spun':
    case 'thread.renewed':
    case 'thread.expired': {
      const d = event.data as EventEnvelope<'thread.spun'>['data'];
      const thread = {
        id: d.threadId,
        nodeId: d.nodeId,
        accountId: d.accountId,
        kind: d.kind,
        expiresAt: 'expiresAt' in d ? d.expiresAt : null,
        from: d.from,
        to: d.to,
      };
      return {
        change: { ...base, type: event.type, thread },
        points: d.from ? [d.to, d.from] : [d.to],
      };
    }
    case 'account.located': {
      const d = event.data as EventEnvelope<'account.located'>['data'];
      const account = {
        id: d.accountId,
        mapState: d.mapState,
        lat: d.publicPoint.lat,
        lon: d.publicPoint.lon,
      };
      return {
        change: { ...base, type: 'account.located', account, previous: d.previousPublicPoint },
        points: d.previousPublicPoint ? [d.publicPoint, d.previousPublicPoint] : [d.publicPoint],
      };
    }
    case 'account.hidden': {
      const d = event.data as EventEnvelope<'account.hidden'>['data'];
      if (!d.previousPublicPoint) return null;
      return {
        change: {
          ...base,
          type: 'account.hidden',
          account: { id: d.accountId },
          previous: d.previousPublicPoint,
        },
        points: [d.previousPublicPoint],
      };
    }
    case 'message.posted': {
      const d = event.data as EventEnvelope<'message.posted'>['data'];
      const at = await nodes.of(d.nodeId);
      if (!at) return null;
      const message = {
        id: d.messageId,
        nodeId: d.nodeId,
        authorId: d.authorId,
        authorName: d.authorName,
        body: d.body,
        createdAt: d.createdAt,
      };
      return { change: { ...base, type: 'message.posted', message, at }, points: [at] };
    }
    case 'message.retracted': {
      const d = event.data as EventEnvelope<'message.retracted'>['data'];
      const at = await nodes.of(d.nodeId);
      if (!at) return null;
      return {
        change: {
          ...base,
          type: 'message.retracted',
          message: { id: d.messageId, nodeId: d.nodeId },
          at,
        },
        points: [at],
      };
    }
    default:
      return null;
  }
}

export function startLiveFeed(nc: NatsConnection, hub: LiveHub, sql: Sql, log: Logger) {
  const abort = new AbortController();
  const nodes = new NodePoints(sql);
  const run = async () => {
    while (!abort.signal.aborted) {
      try {
        const malformed: OnMalformed = (info) => log.error('malformed event skipped', info);
        for await (const event of consumeFromNow(
          jetstream(nc),
          [LIVE_SUBJECT],
          abort.signal,
          malformed,
        )) {
          if (hub.size === 0) {
            if (event.type.startsWith('node.')) nodes.forget(event.aggregateId);
            continue;
          }
          try {
            const live = await liveChangeOf(event, nodes);
            if (live) hub.publish(live.change, live.points);
          } catch (error) {
            // One event that cannot be placed (database briefly away) must not stop the feed.
            log.warn('live change skipped', {
              event: event.type,
              id: event.id,
              error: String(error),
            });
          }
        }
      } catch (error) {
        if (abort.signal.aborted) break;
        log.warn('live feed restarting', { error: String(error) });
        await Bun.sleep(1_000);
      }
    }
  };
  const done = run();
  return {
    async stop() {
      abort.abort();
      await done;
    },
  };
}
