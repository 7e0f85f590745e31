// The core's root router. Other services import `type CoreRouter` only.
import { accountRouter } from './accounts/router.ts';
import { alertRouter } from './alerts/router.ts';
import { messageRouter } from './messages/router.ts';
import { nodeRouter } from './nodes/router.ts';
import { notificationRouter } from './notifications/router.ts';
import { reportRouter } from './reports/router.ts';
import { sessionRouter } from './sessions/router.ts';
import { threadRouter } from './threads/router.ts';
import { registerInputSchemas, router } from './trpc.ts';
import { weaveryRouter } from './weaveries/router.ts';

export const coreRouter = router({
  accounts: accountRouter,
  alerts: alertRouter,
  messages: messageRouter,
  nodes: nodeRouter,
  notifications: notificationRouter,
  sessions: sessionRouter,
  reports: reportRouter,
  threads: threadRouter,
  weaveries: weaveryRouter,
});

registerInputSchemas(coreRouter);

export type CoreRouter = typeof coreRouter;
