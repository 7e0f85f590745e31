// live.*: changes on the open map, pushed over SSE (tRPC subscription). Every item is tracked
// by its stream sequence, so a client that reconnects (a dropped connection, an edge instance
// that died, another instance behind Caddy) sends the last id it heard and gets what it missed.
import { tracked } from '@trpc/server';
import { ApiError } from '@weltgewebe/kit';
import { readProcedure, router } from '../trpc.ts';
import type { LiveHub, SequencedChange } from './live-hub.ts';
import { type LiveBox, type LiveChange, type LiveItem, liveInput } from './model.ts';

/** Further back than this a reconnecting client reloads its view instead of being replayed. */
export const MAX_REPLAY_EVENTS = 10_000;

function sequenceOf(lastEventId: string | null | undefined): number | null {
  if (!lastEventId || !/^\d{1,15}$/.test(lastEventId)) return null;
  return Number(lastEventId);
}

const unavailable = () =>
  new ApiError(
    'LIVE_UNAVAILABLE',
    'SERVICE_UNAVAILABLE',
    'Live-Änderungen sind gerade nicht zu haben; die Verbindung versucht es gleich wieder.',
  );

/** Missed changes from the stream, or null when they are too many or the stream is away. */
async function* replayed(
  hub: LiveHub,
  box: LiveBox,
  after: number,
  until: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<SequencedChange> {
  if (until <= after) return;
  if (!hub.replay) throw unavailable();
  try {
    yield* hub.replay(box, after, until, signal);
  } catch (error) {
    if (signal?.aborted) return;
    throw error instanceof ApiError ? error : unavailable();
  }
}

export const liveRouter = router({
  changes: readProcedure.input(liveInput).subscription(async function* ({ ctx, input, signal }) {
    const { lastEventId, ...box } = input;
    const hub = ctx.services.live;
    const subscription = hub.subscribe(box);
    try {
      const from = subscription.from;
      // No feed (NATS away at this instance): the client's link tries again shortly.
      if (from === null) throw unavailable();
      const last = sequenceOf(lastEventId);
      // An id past the end of the stream belongs to a stream that was made anew since.
      const inStream =
        last !== null &&
        (last <= from || !hub.streamEnd || last <= (await hub.streamEnd().catch(() => last)));
      const resumable = last !== null && inStream && from - last <= MAX_REPLAY_EVENTS;
      // The newest sequence this client has been given (or skipped past).
      let sent = resumable && last !== null ? last : from;
      const item = (seq: number, value: LiveItem) => tracked(String(seq), value);
      yield item(sent, {
        type: 'subscribed',
        at: new Date().toISOString(),
        missed: last !== null && !resumable,
      });
      if (resumable && last !== null && last < from) {
        for await (const r of replayed(hub, box, last, from, signal)) {
          sent = r.seq;
          yield item(r.seq, r.change);
        }
        sent = from;
      }
      let gap = false;
      for await (const next of subscription.changes(signal)) {
        if (next === 'lost') {
          // This reader fell behind and its queue was dropped: read the rest from the stream.
          const until = hub.position ?? sent;
          if (until - sent > MAX_REPLAY_EVENTS) gap = true;
          else {
            for await (const r of replayed(hub, box, sent, until, signal)) {
              sent = r.seq;
              yield item(r.seq, r.change);
            }
          }
          sent = until;
          continue;
        }
        if (next.seq <= sent) continue;
        sent = next.seq;
        const change: LiveChange = gap ? { ...next.change, gap: true } : next.change;
        gap = false;
        yield item(next.seq, change);
      }
    } finally {
      subscription.close();
    }
  }),
});
