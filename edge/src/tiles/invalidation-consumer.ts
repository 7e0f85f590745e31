// This instance's own NATS consumer: every change event drops the tiles it touches here
// (through the same TileInvalidator.handle that forwarded commands use).
import { consumeFromNow, jetstream, type NatsConnection } from '@weltgewebe/events/jetstream';
import type { Logger } from '@weltgewebe/kit';
import { asTileEvent, INVALIDATING_SUBJECTS, type TileInvalidator } from './invalidation.ts';
import type { TileCache } from './tile-cache.ts';

export function startInvalidationConsumer(
  nc: NatsConnection,
  tiles: { cache: TileCache; invalidator: TileInvalidator },
  log: Logger,
) {
  const abort = new AbortController();
  const run = async () => {
    while (!abort.signal.aborted) {
      try {
        for await (const event of consumeFromNow(
          jetstream(nc),
          INVALIDATING_SUBJECTS,
          abort.signal,
          (info) => log.error('malformed event skipped', info),
        )) {
          const dropped = await tiles.invalidator.handle(asTileEvent(event));
          log.debug('tiles invalidated', { event: event.type, id: event.id, dropped });
        }
      } catch (error) {
        if (abort.signal.aborted) break;
        // While we were away changes may have been missed: start clean rather than stale.
        tiles.cache.clear();
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
