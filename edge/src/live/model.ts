// live.changes: what an open map hears about — node, thread, account and message changes —
// as explicit public DTOs (never a private location: events carry public points only).
import type { NodeKind, ThreadKind } from '@weltgewebe/events/domain';
import { z } from 'zod';

export const liveInput = z
  .object({
    west: z.number().min(-180).max(180),
    south: z.number().min(-85.06).max(85.06),
    east: z.number().min(-180).max(180),
    north: z.number().min(-85.06).max(85.06),
  })
  .refine((b) => b.south <= b.north, {
    path: ['south'],
    message: 'Süden liegt nördlich von Norden.',
  });

/** A west > east box crosses the antimeridian. */
export type LiveBox = z.infer<typeof liveInput>;

export interface Point {
  lat: number;
  lon: number;
}

export function boxContains(box: LiveBox, p: Point): boolean {
  if (p.lat < box.south || p.lat > box.north) return false;
  return box.west <= box.east
    ? p.lon >= box.west && p.lon <= box.east
    : p.lon >= box.west || p.lon <= box.east;
}

interface Base {
  /** The event id (outbox id): the same change never has two ids. */
  eventId: string;
  occurredAt: string;
  /** Set when changes were dropped before this one (a slow reader): refetch the view. */
  gap?: true;
}

export type LiveChange =
  | (Base & {
      type: 'node.created' | 'node.updated';
      node: {
        id: string;
        kind: NodeKind;
        title: string;
        topics: string[];
        lat: number;
        lon: number;
        version: number;
      };
      /** Where it was before a move (node.updated). */
      previous: Point | null;
    })
  | (Base & {
      type: 'node.removed';
      node: { id: string; lat: number; lon: number; version: number };
    })
  | (Base & {
      type: 'thread.spun' | 'thread.renewed' | 'thread.expired';
      thread: {
        id: string;
        nodeId: string;
        accountId: string;
        kind: ThreadKind;
        expiresAt: string | null;
        from: Point | null;
        to: Point;
      };
    })
  | (Base & {
      type: 'account.located';
      account: { id: string; mapState: 'exact' | 'radius'; lat: number; lon: number };
      previous: Point | null;
    })
  | (Base & { type: 'account.hidden'; account: { id: string }; previous: Point | null })
  | (Base & {
      type: 'message.posted';
      message: {
        id: string;
        nodeId: string;
        authorId: string;
        authorName: string;
        body: string;
        createdAt: string;
      };
      at: Point;
    })
  | (Base & { type: 'message.retracted'; message: { id: string; nodeId: string }; at: Point });

/** First item of every subscription: from here on, changes arrive; load the view now. */
export interface LiveSubscribed {
  type: 'subscribed';
  at: string;
}

export type LiveItem = LiveChange | LiveSubscribed;
