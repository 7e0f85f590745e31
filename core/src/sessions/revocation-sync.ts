// Keeps a core instance's list of signed-out sessions: read from the database at start and
// every REVOCATION_RELOAD_MS, and told of each new row at once by the database's NOTIFY
// (0013_session_revocations.sql), so the core needs no NATS connection for it.
import type { Sql } from '@weltgewebe/db/client';
import { loadSessionRevocations } from '@weltgewebe/db/session-revocations';
import {
  keepRevocationsLoaded,
  type Logger,
  type Revocation,
  type SessionRevocations,
} from '@weltgewebe/kit';
import { z } from 'zod';

const notification = z.object({
  kind: z.enum(['session', 'subject']),
  key: z.string().min(1),
  issuedBefore: z.string().nullable(),
  until: z.string(),
});

export function startRevocationSync(
  sql: Sql,
  list: SessionRevocations,
  log: Logger,
  options: { reloadMs?: number } = {},
) {
  const loader = keepRevocationsLoaded(
    list,
    () => loadSessionRevocations(sql),
    log,
    options.reloadMs,
  );
  let stopped = false;
  let unlisten: (() => Promise<void>) | null = null;
  // The database may not be there yet at start: keep trying; once listening, postgres.js
  // reconnects by itself and calls onlisten again.
  const listening = (async () => {
    while (!stopped) {
      try {
        const listener = await sql.listen(
          'session_revoked',
          (payload) => {
            const parsed = notification.safeParse(safeJson(payload));
            if (parsed.success) list.apply(normalised(parsed.data));
            else log.warn('malformed session_revoked notification skipped');
          },
          // (Re)connected: notifications sent while the connection was away are lost.
          () => void loader.reload(),
        );
        unlisten = () => listener.unlisten();
        if (stopped) await unlisten();
        return;
      } catch (error) {
        log.warn('cannot listen for signed-out sessions yet', { error: String(error) });
        await Bun.sleep(1_000);
      }
    }
  })();
  return {
    loaded: loader.loaded,
    /** Resolves once the LISTEN is in place (tests wait for it). */
    listening,
    async stop() {
      stopped = true;
      loader.stop();
      await unlisten?.().catch(() => {});
    },
  };
}

/** PostgreSQL writes timestamps its own way in JSON; the list wants ISO strings. */
function normalised(data: z.infer<typeof notification>): Revocation {
  const iso = (value: string) => new Date(value).toISOString();
  return {
    kind: data.kind,
    key: data.key,
    issuedBefore: data.issuedBefore === null ? null : iso(data.issuedBefore),
    until: iso(data.until),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
