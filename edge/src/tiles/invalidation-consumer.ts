// This instance's own NATS consumer: every node change drops the tiles it touches here.
import { consumeFromNow, jetstream, type NatsConnection } from '@weltgewebe/events/jetstream';
import type { Logger } from '@weltgewebe/infra/kit';
import { INVALIDATING_SUBJECTS, invalidateFor } from './invalidation.ts';
import type { TileCache } from './tile-cache.ts';

export function startInvalidationConsumer(nc: NatsConnection, cache: TileCache, log: Logger) {
  const abort = new AbortController();
  const run = async () => {
    while (!abort.signal.aborted) {
      try {
        for await (const event of consumeFromNow(
          jetstream(nc),
          INVALIDATING_SUBJECTS,
          abort.signal,
        )) {
          const dropped = invalidateFor(cache, event);
          log.debug('tiles invalidated', { event: event.type, id: event.id, dropped });
        }
      } catch (error) {
        if (abort.signal.aborted) break;
        // While we were away changes may have been missed: start clean rather than stale.
        cache.clear();
        log.warn('invalidation consumer restarting', { error: String(error) });
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
