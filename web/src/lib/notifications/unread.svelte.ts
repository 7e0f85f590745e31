// The signed-in person's unread notification count on the map page, fresh without a reload:
// wires UnreadWatch to the edge (same origin), the page's live.changes subscription (and its
// coming back after a drop) and the tab's visibility. No push channel of its own: the live
// feed already reaches open maps.
import { loadMe } from '$lib/account/me.svelte';
import { onLive, onResume } from '$lib/live/live-changes.svelte';
import { edgeErrorInfo, trpc } from '$lib/trpc';
import { withSessionRenewal } from '$lib/ui/describe-error';
import { UnreadWatch } from './unread-watch';

export const unreadNotes = $state({ count: 0 });

/** Starts keeping `unreadNotes.count` fresh (signed-in pages only); returns the stop. */
export function watchUnread(): () => void {
  const watch = new UnreadWatch({
    fetchUnread: async () => {
      const page = await withSessionRenewal(() =>
        trpc.notifications.list.query({ limit: 1, unreadOnly: true }),
      );
      return page.unread;
    },
    myAccountId: async () => (await loadMe())?.id ?? null,
    nodeCreator: async (nodeId) => (await trpc.nodes.byId.query({ id: nodeId })).createdBy,
    isVisible: () => document.visibilityState === 'visible',
    onCount: (count) => {
      unreadNotes.count = count;
    },
    isSignedOut: (error) => {
      const info = edgeErrorInfo(error);
      return info.trpcCode === 'UNAUTHORIZED' || info.httpStatus === 401;
    },
  });
  const onShow = () => watch.visible();
  document.addEventListener('visibilitychange', onShow);
  window.addEventListener('online', onShow);
  const stopLive = onLive((item) => void watch.live(item));
  // The live connection came back: what happened meanwhile was not heard.
  const stopResume = onResume(() => void watch.refresh());
  watch.start();
  return () => {
    watch.stop();
    stopLive();
    stopResume();
    document.removeEventListener('visibilitychange', onShow);
    window.removeEventListener('online', onShow);
  };
}
