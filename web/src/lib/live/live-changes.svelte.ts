// One live.changes subscription (SSE) for the part of the world the person looks at. The box
// is grown around the view so small pans keep the same subscription; listeners get every item
// (the first is `subscribed`: load or reload the view then, so nothing falls in between).
import type { BBox } from '$lib/map/map-view';
import { boxCovers, grownBox } from '$lib/map/map-view';
import { type LiveItem, trpc } from '$lib/trpc';

type Listener = (item: LiveItem) => void;

export const live = $state<{ connected: boolean }>({ connected: false });

const listeners = new Set<Listener>();
let current: { box: BBox; unsubscribe: () => void } | null = null;

export function onLive(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Keeps a subscription whose box covers `box`; a new one only when the view leaves it. */
export function watchBox(box: BBox): void {
  if (current && boxCovers(current.box, box)) return;
  current?.unsubscribe();
  const grown = grownBox(box, 0.5);
  const subscription = trpc.live.changes.subscribe(grown, {
    onData: (item) => {
      if (item.type === 'subscribed') live.connected = true;
      for (const listener of listeners) listener(item as LiveItem);
    },
    onError: (error) => {
      live.connected = false;
      console.warn('live changes failed', error);
    },
    onConnectionStateChange: (state) => {
      if (state.state !== 'pending') live.connected = false;
    },
  });
  current = { box: grown, unsubscribe: () => subscription.unsubscribe() };
}

export function stopWatching(): void {
  current?.unsubscribe();
  current = null;
  live.connected = false;
}
