// The edge's root router. The web imports `type EdgeRouter` only.
import { accountRouter } from './accounts/router.ts';
import { alertRouter } from './alerts/router.ts';
import { liveRouter } from './live/router.ts';
import { messageRouter } from './messages/router.ts';
import { nodeRouter } from './nodes/router.ts';
import { notificationRouter } from './notifications/router.ts';
import { reportRouter } from './reports/router.ts';
import { searchRouter } from './search/router.ts';
import { sessionRouter } from './sessions/router.ts';
import { threadRouter } from './threads/router.ts';
import { registerInputSchemas, router } from './trpc.ts';
import { weaveryRouter } from './weaveries/router.ts';

export const edgeRouter = router({
  accounts: accountRouter,
  alerts: alertRouter,
  live: liveRouter,
  messages: messageRouter,
  nodes: nodeRouter,
  notifications: notificationRouter,
  reports: reportRouter,
  search: searchRouter,
  sessions: sessionRouter,
  threads: threadRouter,
  weaveries: weaveryRouter,
});

registerInputSchemas(edgeRouter);

export type EdgeRouter = typeof edgeRouter;
