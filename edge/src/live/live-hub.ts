// In-memory fan-out of live changes to this instance's subscribers, each with its box. Every
// change carries its JetStream stream sequence, and the hub knows the sequence of the newest
// event its feed has passed (`position`): a subscriber registered at position P is handed every
// change after P. What it missed before (a dropped connection, another edge instance) is read
// again from the stream (`replay`, set by the feed). Every subscriber has a bounded queue: a
// reader too slow to keep up loses its queue and is told (`lost`), and reads the rest from the
// stream too, instead of growing the edge's memory.
import { boxContains, type LiveBox, type LiveChange, type Point } from './model.ts';

const QUEUE_LIMIT = 256;

export interface SequencedChange {
  seq: number;
  change: LiveChange;
}

/** Changes with sequence in (after, until] that touch `box`, read from the stream. */
export type LiveReplay = (
  box: LiveBox,
  after: number,
  until: number,
  signal?: AbortSignal,
) => AsyncGenerator<SequencedChange>;

interface Subscriber {
  box: LiveBox;
  push(item: SequencedChange): void;
}

export class LiveHub {
  private readonly subscribers = new Set<Subscriber>();
  /** Sequence of the newest event the feed has passed on or skipped; null while it is not running. */
  position: number | null = null;
  /** Reads missed changes from the stream; null while the feed is not connected. */
  replay: LiveReplay | null = null;
  /** The stream's newest sequence now (asked of NATS); null while the feed is not connected. */
  streamEnd: (() => Promise<number>) | null = null;

  get size(): number {
    return this.subscribers.size;
  }

  /** The feed has dealt with every event up to `seq`. */
  advance(seq: number) {
    if (this.position === null || seq > this.position) this.position = seq;
  }

  /** The stream was made anew and ends at `seq`: sequences start over there. */
  reset(seq: number) {
    this.position = seq;
  }

  /** Hands a change to every subscriber whose box holds one of its points. */
  publish(change: LiveChange, points: Point[], seq = 0): number {
    let delivered = 0;
    for (const s of this.subscribers) {
      if (points.some((p) => boxContains(s.box, p))) {
        s.push({ seq, change });
        delivered++;
      }
    }
    this.advance(seq);
    return delivered;
  }

  /**
   * Registers a subscriber for `box` at once: every change after `from` (the position now)
   * reaches it. Read with `changes(signal)` and always `close()` it. `changes` yields `lost`
   * when the queue overflowed: everything queued was dropped, read it from the stream.
   */
  subscribe(box: LiveBox) {
    let queue: SequencedChange[] = [];
    let lost = false;
    let closed = false;
    let wake: (() => void) | null = null;
    const subscriber: Subscriber = {
      box,
      push(item) {
        if (queue.length >= QUEUE_LIMIT) {
          queue = [];
          lost = true;
        }
        queue.push(item);
        wake?.();
      },
    };
    this.subscribers.add(subscriber);
    const from = this.position;
    const close = () => {
      closed = true;
      this.subscribers.delete(subscriber);
      wake?.();
    };
    async function* changes(signal?: AbortSignal): AsyncGenerator<SequencedChange | 'lost'> {
      signal?.addEventListener('abort', close);
      try {
        while (!closed && !signal?.aborted) {
          if (lost) {
            lost = false;
            yield 'lost';
            continue;
          }
          const next = queue.shift();
          if (!next) {
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
            wake = null;
            continue;
          }
          yield next;
        }
      } finally {
        signal?.removeEventListener('abort', close);
        close();
      }
    }
    return { from, changes, close };
  }
}
