// Maps domain events to the cached tiles they make stale, and drops exactly those.
import type { EventEnvelope } from '@weltgewebe/events/contracts';
import type { TileCache } from './tile-cache.ts';
import { tilesTouchedBy } from './tile-math.ts';

/** Subjects an edge instance listens to for its cache. */
export const INVALIDATING_SUBJECTS = ['gewebe.node.>'];

export function invalidateFor(cache: TileCache, event: EventEnvelope): number {
  switch (event.type) {
    case 'node.created':
    case 'node.removed': {
      const { location } = event.data as { location: { lat: number; lon: number } };
      return cache.invalidate('nodes', tilesTouchedBy(location.lat, location.lon));
    }
    case 'node.updated': {
      const d = event.data as {
        location: { lat: number; lon: number };
        previousLocation: { lat: number; lon: number };
      };
      return (
        cache.invalidate('nodes', tilesTouchedBy(d.location.lat, d.location.lon)) +
        cache.invalidate('nodes', tilesTouchedBy(d.previousLocation.lat, d.previousLocation.lon))
      );
    }
    default:
      return 0;
  }
}
