// This instance's list of signed-out sessions: read from the database (edge role, SELECT only)
// at start and every REVOCATION_RELOAD_MS, and kept by the `session.revoked` event in between,
// so a sign-out at any instance is refused here as soon as the event arrives.
import type { Sql } from '@weltgewebe/db/client';
import { loadSessionRevocations } from '@weltgewebe/db/session-revocations';
import { subjectFor } from '@weltgewebe/events/contracts';
import { consumeFromNow, jetstream, type NatsConnection } from '@weltgewebe/events/jetstream';
import {
  keepRevocationsLoaded,
  type Logger,
  type Revocation,
  type SessionRevocations,
} from '@weltgewebe/kit';

/** Reads the list now and periodically; `reload` after a (re)connect to NATS. */
export function loadRevocationsPeriodically(
  sql: Sql,
  list: SessionRevocations,
  log: Logger,
  reloadMs?: number,
) {
  return keepRevocationsLoaded(list, () => loadSessionRevocations(sql), log, reloadMs);
}

export function startRevocationConsumer(
  nc: NatsConnection,
  list: SessionRevocations,
  log: Logger,
  /** Read the whole list again: events may have been missed while the consumer was away. */
  reload: () => Promise<void>,
) {
  const abort = new AbortController();
  const run = async () => {
    while (!abort.signal.aborted) {
      try {
        const events = consumeFromNow(
          jetstream(nc),
          [subjectFor('session.revoked')],
          abort.signal,
          (info) => log.error('malformed event skipped', info),
          // What was signed out before the consumer existed (a moment ago, or while NATS was
          // away) comes from the database.
          () => void reload(),
        );
        for await (const event of events) {
          if (event.type !== 'session.revoked') continue;
          list.apply(event.data as Revocation);
          log.debug('session revoked', { id: event.id });
        }
      } catch (error) {
        if (abort.signal.aborted) break;
        log.warn('revocation consumer restarting', { error: String(error) });
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
