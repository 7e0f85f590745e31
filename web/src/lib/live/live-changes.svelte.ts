// One live.changes subscription (SSE) for the part of the world the person looks at. The box
// is grown around the view so small pans keep the same subscription; listeners get every item
// (the first is `subscribed`: load or reload the view then, so nothing falls in between).
// Items are tracked: after a dropped connection tRPC's link reconnects with the last id it
// heard and the edge sends what was missed first (`missed` on `subscribed` when it could not).
import type { BBox } from '$lib/map/map-view';
import { boxCovers, grownBox } from '$lib/map/map-view';
import { type LiveItem, trpc } from '$lib/trpc';

type Listener = (item: LiveItem) => void;
type ResumeListener = () => void;

/** `interrupted`: the connection was up, dropped, and is not back yet (the page says so). */
export const live = $state<{ connected: boolean; interrupted: boolean }>({
  connected: false,
  interrupted: false,
});

const listeners = new Set<Listener>();
const resumeListeners = new Set<ResumeListener>();
let current: { box: BBox; unsubscribe: () => void; token: object } | null = null;
function connectionLost(): void {
  if (live.connected) live.interrupted = true;
  live.connected = false;
}

/** Called when a dropped connection is back (the link re-subscribes by itself): reload the view,
 * since changes made meanwhile were missed. */
export function onResume(listener: ResumeListener): () => void {
  resumeListeners.add(listener);
  return () => resumeListeners.delete(listener);
}

export function onLive(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Keeps a subscription whose box covers `box`; a new one only when the view leaves it. */
export function watchBox(box: BBox): void {
  if (current && boxCovers(current.box, box)) return;
  current?.unsubscribe();
  // Moving on to another box is no loss: the new view's tiles are loaded anyway.
  live.connected = false;
  live.interrupted = false;
  const grown = grownBox(box, 0.5);
  // Callbacks of a subscription that has been replaced (the view moved on) are not heard.
  const token = {};
  const mine = () => current?.token === token;
  const subscription = trpc.live.changes.subscribe(grown, {
    onData: ({ data }) => {
      if (!mine()) return;
      const item = data as LiveItem;
      if (item.type === 'subscribed') {
        live.connected = true;
        // Back after a drop, or changes could not be sent again: bring the view up to date.
        if (live.interrupted || item.missed) {
          live.interrupted = false;
          for (const listener of resumeListeners) listener();
        }
      }
      for (const listener of listeners) listener(item);
    },
    onError: (error) => {
      if (!mine()) return;
      connectionLost();
      console.warn('live changes failed', error);
    },
    onConnectionStateChange: (state) => {
      if (mine() && state.state !== 'pending') connectionLost();
    },
  });
  current = { box: grown, unsubscribe: () => subscription.unsubscribe(), token };
}

export function stopWatching(): void {
  current?.unsubscribe();
  current = null;
  live.connected = false;
  live.interrupted = false;
}
