// This instance's own NATS consumer: every change event drops the tiles it touches here. It
// keeps its place in the stream, so a restart of the consumer goes on after the last event it
// handled instead of skipping what came meanwhile (through the same TileInvalidator.handle that
// forwarded commands use). With a read replica, the edge first learns
// how far the primary is (the event's commit lies before that), so no tile dropped here is
// rendered again from a replica that has not replayed the change yet (read-routing.ts).
import {
  consumeAfter,
  jetstream,
  lastStreamSeq,
  type NatsConnection,
} from '@weltgewebe/events/jetstream';
import type { Logger } from '@weltgewebe/kit';
import type { ReadRouting } from '../replica/read-routing.ts';
import { asTileEvent, INVALIDATING_SUBJECTS, type TileInvalidator } from './invalidation.ts';
import type { TileCache } from './tile-cache.ts';

export function startInvalidationConsumer(
  nc: NatsConnection,
  tiles: { cache: TileCache; invalidator: TileInvalidator },
  log: Logger,
  reads?: ReadRouting,
) {
  const abort = new AbortController();
  let position: number | null = null;
  const run = async () => {
    while (!abort.signal.aborted) {
      try {
        // A stream that ends before our place was made anew (its store lost): start over.
        if (position !== null && position > (await lastStreamSeq(nc))) position = null;
        if (position === null) {
          const start = await lastStreamSeq(nc);
          // Every change up to here is in the primary now; renders from here on see it.
          await reads?.raiseFloor();
          // Tiles cached before this consumer ran (NATS away at start) may predate changes
          // it will never hear of.
          tiles.cache.clear();
          position = start;
        }
        for await (const { seq, envelope: event } of consumeAfter(
          jetstream(nc),
          INVALIDATING_SUBJECTS[0]!,
          position,
          abort.signal,
          (info) => log.error('malformed event skipped', info),
        )) {
          try {
            await reads?.raiseFloor().catch((error) => {
              // Unknown floor: caches fill from the primary until it is known again.
              log.warn('primary position unknown', { error: String(error) });
            });
            const dropped = await tiles.invalidator.handle(asTileEvent(event));
            log.debug('tiles invalidated', { event: event.type, id: event.id, dropped });
          } catch (error) {
            // A failed lookup must not leave stale tiles behind: drop everything instead.
            tiles.cache.clear();
            log.warn('tile invalidation failed, cache cleared', {
              event: event.type,
              error: String(error),
            });
          }
          position = seq;
        }
      } catch (error) {
        if (abort.signal.aborted) break;
        log.warn('invalidation consumer restarting', { error: String(error) });
        await Bun.sleep(1_000);
      }
    }
  };
  const done = run();
  return {
    async stop() {
      abort.abort();
      tiles.invalidator.stop();
      await done;
    },
  };
}
