// The edge's root router. The web imports `type EdgeRouter` only.
import { accountRouter } from './accounts/router.ts';
import { messageRouter } from './messages/router.ts';
import { nodeRouter } from './nodes/router.ts';
import { notificationRouter } from './notifications/router.ts';
import { threadRouter } from './threads/router.ts';
import { router } from './trpc.ts';
import { weaveryRouter } from './weaveries/router.ts';

export const edgeRouter = router({
  accounts: accountRouter,
  messages: messageRouter,
  nodes: nodeRouter,
  notifications: notificationRouter,
  threads: threadRouter,
  weaveries: weaveryRouter,
});

export type EdgeRouter = typeof edgeRouter;
