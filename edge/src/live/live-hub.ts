// In-memory fan-out of live changes to this instance's subscribers, each with its box.
// Every subscriber has a bounded queue: a reader too slow to keep up loses its oldest
// changes and gets `gap: true` on the next one, instead of growing the edge's memory.
import { boxContains, type LiveBox, type LiveChange, type Point } from './model.ts';

const QUEUE_LIMIT = 256;

interface Subscriber {
  box: LiveBox;
  push(change: LiveChange): void;
}

export class LiveHub {
  private readonly subscribers = new Set<Subscriber>();

  get size(): number {
    return this.subscribers.size;
  }

  /** Hands a change to every subscriber whose box holds one of its points. */
  publish(change: LiveChange, points: Point[]): number {
    let delivered = 0;
    for (const s of this.subscribers) {
      if (points.some((p) => boxContains(s.box, p))) {
        s.push(change);
        delivered++;
      }
    }
    return delivered;
  }

  /**
   * Registers a subscriber for `box` at once (so nothing published after this call is
   * missed); read its changes with `changes(signal)` and always `close()` it.
   */
  subscribe(box: LiveBox) {
    const queue: LiveChange[] = [];
    let gap = false;
    let closed = false;
    let wake: (() => void) | null = null;
    const subscriber: Subscriber = {
      box,
      push(change) {
        if (queue.length >= QUEUE_LIMIT) {
          queue.shift();
          gap = true;
        }
        queue.push(change);
        wake?.();
      },
    };
    this.subscribers.add(subscriber);
    const close = () => {
      closed = true;
      this.subscribers.delete(subscriber);
      wake?.();
    };
    async function* changes(signal?: AbortSignal): AsyncGenerator<LiveChange> {
      signal?.addEventListener('abort', close);
      try {
        while (!closed && !signal?.aborted) {
          const next = queue.shift();
          if (!next) {
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
            wake = null;
            continue;
          }
          if (gap) {
            gap = false;
            yield { ...next, gap: true };
          } else yield next;
        }
      } finally {
        signal?.removeEventListener('abort', close);
        close();
      }
    }
    return { changes, close };
  }
}
